/**
 * Passwords (and the words they are made of) that are guessed first: the top of the lists
 * published from breaches (SecLists' most common passwords, NCSC's "100,000 most common"),
 * plus the words of this app's trade. Lower case; passwordStrength.ts also matches them in
 * any case, with look-alike digits and symbols, and with digits or symbols around them.
 */
export const COMMON_PASSWORDS: readonly string[] = [
  'password', 'passwort', 'passw', 'pass', '123456', '1234567', '12345678', '123456789', '1234567890', '0123456789', '987654321',
  '111111', '000000', '123123', '121212', '112233', '654321', '666666', '696969', '777777', '888888', '999999', '123321',
  'qwerty', 'qwertz', 'azerty', 'qwertyuiop', 'asdfgh', 'asdfghjkl', 'zxcvbn', 'zxcvbnm', '1q2w3e4r', '1qaz2wsx', 'qazwsx', 'abc123', 'abcdef', 'abcdefg', 'abcdefgh',
  'iloveyou', 'letmein', 'welcome', 'monkey', 'dragon', 'master', 'sunshine', 'princess', 'football', 'baseball', 'soccer',
  'shadow', 'superman', 'batman', 'trustno1', 'hello', 'freedom', 'whatever', 'starwars', 'michael', 'jennifer', 'jordan',
  'hunter', 'ranger', 'buster', 'thomas', 'robert', 'charlie', 'daniel', 'andrew', 'joshua', 'jessica', 'ashley', 'matthew',
  'mustang', 'access', 'secret', 'secure', 'security', 'login', 'admin', 'administrator', 'changeme', 'default', 'computer',
  'internet', 'summer', 'winter', 'spring', 'autumn', 'flower', 'cookie', 'chocolate', 'banana', 'orange', 'purple', 'silver',
  'killer', 'pepper', 'ginger', 'hockey', 'tigger', 'cheese', 'maggie', 'ginger', 'loveme', 'lovely', 'family', 'friends',
  'passport', 'google', 'facebook', 'samsung', 'apple', 'microsoft', 'windows', 'linux', 'london', 'berlin', 'paris',
  'qwerty123', 'password1', 'welcome1', 'letmein1', 'monday', 'friday', 'january', 'december', 'birthday', 'mypassword',
  'nopassword', 'test', 'testing', 'guest', 'user', 'root', 'office', 'company', 'business', 'money', 'private',
  // The trade's own words, the first a colleague would try.
  'lawyer', 'attorney', 'counsel', 'solicitor', 'barrister', 'justice', 'court', 'judge', 'legal', 'lawfirm', 'casefile',
  'client', 'clients', 'backup', 'backups', 'casevault', 'encrypt', 'encryption', 'recovery',
];
