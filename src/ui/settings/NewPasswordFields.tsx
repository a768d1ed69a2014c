import { newPasswordErrors, passwordStrength, type PasswordErrors } from './passwordStrength.ts';

/**
 * A new password, twice, with the strength meter: it follows every key typed; the refusals
 * (too short, not the same twice) are said next to their field once the person has tried to
 * go on (`showErrors`), and from then on as they type.
 */
export function NewPasswordFields(props: {
  idPrefix: string;
  label: string;
  password: string;
  repeat: string;
  minLength: number;
  showErrors: boolean;
  autoFocus?: boolean;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
}) {
  const strength = passwordStrength(props.password, props.minLength);
  const errors: PasswordErrors = props.showErrors ? newPasswordErrors(props.password, props.repeat, props.minLength) : {};
  const id = props.idPrefix;
  return (
    <div class="new-password">
      <label class="field" for={`${id}-password`}>
        {props.label}
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="new-password"
          autoFocus={props.autoFocus}
          value={props.password}
          aria-invalid={errors.password !== undefined}
          aria-describedby={`${id}-strength ${errors.password ? `${id}-password-error` : ''}`}
          onInput={(e) => props.onPassword(e.currentTarget.value)}
        />
      </label>
      {errors.password && (
        <span id={`${id}-password-error`} class="field-error" data-testid="password-error">
          {errors.password}
        </span>
      )}
      <div class="strength" id={`${id}-strength`} data-testid="strength" data-score={strength.score} aria-live="polite">
        <meter min={0} max={4} low={2} high={3} optimum={4} value={strength.score} aria-label="Password strength" />
        <span class="strength-label">
          <strong data-testid="strength-label">{props.password === '' ? 'Not entered yet' : strength.label}</strong>
          {props.password !== '' && <span class="muted"> · {strength.hint}</span>}
        </span>
      </div>
      <label class="field" for={`${id}-repeat`}>
        The same password again
        <input
          id={`${id}-repeat`}
          type="password"
          autoComplete="new-password"
          value={props.repeat}
          aria-invalid={errors.repeat !== undefined}
          aria-describedby={errors.repeat ? `${id}-repeat-error` : undefined}
          onInput={(e) => props.onRepeat(e.currentTarget.value)}
        />
      </label>
      {errors.repeat && (
        <span id={`${id}-repeat-error`} class="field-error" data-testid="repeat-error">
          {errors.repeat}
        </span>
      )}
    </div>
  );
}
