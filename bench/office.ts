/**
 * Office documents as Word and Excel write them: DOCX and XLSX are ZIPs of XML parts
 * (deflated, level 6), with pictures (word/media, stored) in some DOCX. The parts a reader
 * needs are there ([Content_Types].xml, the relationships, the main part, styles, theme,
 * document properties), so `unzip -t`, 7-Zip and Word's own checks accept them; the text
 * comes from the profile's text source. Deterministic: fixed timestamps, no randomness of
 * their own (pictures are AES-CTR keystreams named by the caller's label).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { randomBytes, type Prng } from './prng.ts';

interface Part {
  readonly name: string;
  readonly data: Buffer;
  /** Stored (0), as LibreOffice stores pictures, or deflated (8). */
  readonly method: 0 | 8;
}

/** 2024-03-01 09:30:00, in MS-DOS time and date. */
const DOS_TIME = (9 << 11) | (30 << 5);
const DOS_DATE = ((2024 - 1980) << 9) | (3 << 5) | 1;

/** A minimal, valid ZIP (no ZIP64: every office file here is far below 4 GiB). */
export function zipContainer(parts: readonly Part[]): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name, 'utf8');
    const body = part.method === 8 ? deflateRawSync(part.data, { level: 6 }) : part.data;
    const crc = crc32(part.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(part.method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(part.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(part.method, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(part.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    chunks.push(local, name, body);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, directory, end]);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n';
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const part = (name: string, text: string, method: 0 | 8 = 8): Part => ({ name, data: Buffer.from(text, 'utf8'), method });

/** The theme part both write: ~7 KB of colour and font scheme, the same in every file. */
const THEME = (() => {
  const colors = ['dk1', 'lt1', 'dk2', 'lt2', 'accent1', 'accent2', 'accent3', 'accent4', 'accent5', 'accent6', 'hlink', 'folHlink'];
  const hex = ['000000', 'FFFFFF', '44546A', 'E7E6E6', '4472C4', 'ED7D31', 'A5A5A5', 'FFC000', '5B9BD5', '70AD47', '0563C1', '954F72'];
  const scripts = ['Jpan', 'Hang', 'Hans', 'Hant', 'Arab', 'Hebr', 'Thai', 'Ethi', 'Beng', 'Gujr', 'Khmr', 'Knda', 'Guru', 'Cans', 'Cher', 'Yiii', 'Tibt', 'Thaa', 'Deva', 'Telu', 'Taml', 'Syrc', 'Orya', 'Mlym', 'Laoo', 'Sinh', 'Mong', 'Viet', 'Uigh', 'Geor'];
  const fonts = (latin: string) => `<a:latin typeface="${latin}" panose="020F0502020204030204"/><a:ea typeface=""/><a:cs typeface=""/>${scripts.map((s, i) => `<a:font script="${s}" typeface="Font ${i}"/>`).join('')}`;
  const fill = (i: number) => `<a:gradFill rotWithShape="1"><a:gsLst><a:gs pos="0"><a:schemeClr val="phClr"><a:lumMod val="${110000 - i * 1000}"/><a:satMod val="105000"/><a:tint val="67000"/></a:schemeClr></a:gs><a:gs pos="50000"><a:schemeClr val="phClr"><a:lumMod val="105000"/><a:satMod val="103000"/><a:tint val="73000"/></a:schemeClr></a:gs></a:gsLst><a:lin ang="5400000" scaled="0"/></a:gradFill>`;
  return `${XML}<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme"><a:themeElements><a:clrScheme name="Office">${colors.map((c, i) => `<a:${c}><a:srgbClr val="${hex[i]}"/></a:${c}>`).join('')}</a:clrScheme><a:fontScheme name="Office"><a:majorFont>${fonts('Calibri Light')}</a:majorFont><a:minorFont>${fonts('Calibri')}</a:minorFont></a:fontScheme><a:fmtScheme name="Office"><a:fillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill>${fill(0)}${fill(1)}</a:fillStyleLst><a:lnStyleLst>${[6350, 12700, 19050].map((w) => `<a:ln w="${w}" cap="flat" cmpd="sng" algn="ctr"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:prstDash val="solid"/><a:miter lim="800000"/></a:ln>`).join('')}</a:lnStyleLst><a:effectStyleLst>${[0, 1, 2].map(() => '<a:effectStyle><a:effectLst/></a:effectStyle>').join('')}</a:effectStyleLst><a:bgFillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill>${fill(2)}${fill(3)}</a:bgFillStyleLst></a:fmtScheme></a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>`;
})();

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"';

/** Word's styles part: ~25 KB, mostly the same in every file. */
const WORD_STYLES = (() => {
  const names = ['Normal', 'Heading1', 'Heading2', 'Heading3', 'Title', 'Subtitle', 'Quote', 'ListParagraph', 'Caption', 'Header', 'Footer', 'FootnoteText', 'TOC1', 'TOC2', 'Hyperlink', 'Strong', 'Emphasis', 'TableGrid', 'NoSpacing', 'BodyText'];
  const latent = Array.from({ length: 120 }, (_, i) => `<w:lsdException w:name="Style ${i}" w:semiHidden="1" w:uiPriority="${i}" w:unhideWhenUsed="1"/>`).join('');
  const styles = names.map((n, i) => `<w:style w:type="paragraph" w:styleId="${n}"><w:name w:val="${n}"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="${i + 1}"/><w:qFormat/><w:pPr><w:spacing w:before="${i * 20}" w:after="160" w:line="259" w:lineRule="auto"/><w:outlineLvl w:val="${i % 9}"/></w:pPr><w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:hAnsiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia" w:cstheme="majorBidi"/><w:color w:val="2F5496" w:themeColor="accent1" w:themeShade="BF"/><w:sz w:val="${20 + i}"/><w:szCs w:val="${20 + i}"/></w:rPr></w:style>`).join('');
  return `${XML}<w:styles ${W}><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:eastAsiaTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi" w:cstheme="minorBidi"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="de-AT" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:latentStyles w:defLockedState="0" w:defUIPriority="99" w:defSemiHidden="0" w:defUnhideWhenUsed="0" w:defQFormat="0" w:count="376">${latent}</w:latentStyles>${styles}</w:styles>`;
})();

const coreProps = (title: string, author: string, date: string) =>
  `${XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>${escape(title)}</dc:title><dc:creator>${escape(author)}</dc:creator><cp:lastModifiedBy>${escape(author)}</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">${date}T09:30:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${date}T10:12:00Z</dcterms:modified></cp:coreProperties>`;
const appProps = (application: string) =>
  `${XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm</Template><TotalTime>12</TotalTime><Application>${application}</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><Company>Kanzlei</Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><AppVersion>16.0000</AppVersion></Properties>`;
const packageRels = (main: string) =>
  `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="${main}"/></Relationships>`;

export interface OfficeText {
  /** About `length` characters of the profile's prose. */
  text(length: number): string;
  name(): string;
  date(): string;
}

/**
 * A DOCX of about `size` bytes: ~`xmlBytes` of document.xml (deflated to roughly a third or
 * less), and the rest of `size` as pictures (JPEG-like, incompressible, stored) when the
 * text alone would be far smaller than `size`.
 */
export function docx(prng: Prng, text: OfficeText, label: string, size: number): Buffer {
  // Text beyond ~60 KB compressed is rare in a letter or a brief; larger files carry pictures.
  const textShare = Math.min(size, 60_000 + size * 0.1);
  const xmlTarget = Math.max(1_000, Math.round((textShare - DOCX_FIXED) * WORD_XML_FACTOR));
  const paragraphs: string[] = [];
  let length = 0;
  while (length < xmlTarget) {
    const words = text.text(prng.int(80, 900));
    const bold = prng.next() < 0.15;
    const p = `<w:p><w:pPr><w:pStyle w:val="${bold ? 'Heading2' : 'BodyText'}"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/>${bold ? '<w:b/>' : ''}<w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">${escape(words)}</w:t></w:r></w:p>`;
    paragraphs.push(p);
    length += p.length;
  }
  const pictureBytes = size - textShare;
  const pictures: Part[] = [];
  const drawings: string[] = [];
  if (pictureBytes > 20_000) {
    const count = Math.min(8, Math.max(1, Math.round(pictureBytes / 400_000)));
    for (let i = 1; i <= count; i += 1) {
      const n = Math.round(pictureBytes / count);
      const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00]);
      pictures.push({ name: `word/media/image${i}.jpeg`, data: Buffer.concat([head, randomBytes(`${label}-image${i}`, Math.max(0, n - head.length - 2)), Buffer.from([0xff, 0xd9])]), method: 0 });
      drawings.push(`<w:p><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="5760720" cy="3240405"/><wp:docPr id="${i}" name="Picture ${i}"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="${i}" name="image${i}.jpeg"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdImg${i}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5760720" cy="3240405"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`);
    }
  }
  const body = [...paragraphs];
  drawings.forEach((d, i) => body.splice(Math.floor(((i + 1) * body.length) / (drawings.length + 1)), 0, d));
  const document = `${XML}<w:document ${W}><w:body>${body.join('')}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1417" w:right="1417" w:bottom="1134" w:left="1417" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>`;
  const documentRels = `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/>${pictures.map((_, i) => `<Relationship Id="rIdImg${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image${i + 1}.jpeg"/>`).join('')}</Relationships>`;
  const contentTypes = `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/><Override PartName="/word/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>`;
  const settings = `${XML}<w:settings ${W}><w:zoom w:percent="100"/><w:defaultTabStop w:val="708"/><w:hyphenationZone w:val="425"/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat><w:rsids><w:rsidRoot w:val="${label.length.toString(16).padStart(8, '0')}"/></w:rsids><w:themeFontLang w:val="de-AT"/><w:decimalSymbol w:val=","/><w:listSeparator w:val=";"/></w:settings>`;
  const fontTable = `${XML}<w:fonts ${W}>${['Calibri', 'Times New Roman', 'Calibri Light', 'Arial', 'Cambria'].map((f) => `<w:font w:name="${f}"><w:panose1 w:val="020F0502020204030204"/><w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/><w:sig w:usb0="E4002EFF" w:usb1="C000247B" w:usb2="00000009" w:usb3="00000000" w:csb0="000001FF" w:csb1="00000000"/></w:font>`).join('')}</w:fonts>`;
  return zipContainer([
    part('[Content_Types].xml', contentTypes),
    part('_rels/.rels', packageRels('word/document.xml')),
    part('word/document.xml', document),
    part('word/_rels/document.xml.rels', documentRels),
    part('word/styles.xml', WORD_STYLES),
    part('word/settings.xml', settings),
    part('word/fontTable.xml', fontTable),
    part('word/theme/theme1.xml', THEME),
    ...pictures,
    part('docProps/core.xml', coreProps(`${text.name()} v. ${text.name()}`, text.name(), text.date())),
    part('docProps/app.xml', appProps('Microsoft Office Word')),
  ]);
}

/** What a DOCX's parts other than document.xml take, compressed (an empty Word file is ~12 KB). */
export const DOCX_FIXED = 6_500;
/** What an XLSX's parts other than the sheet take, compressed. */
export const XLSX_FIXED = 7_000;
/** Bytes of document.xml per byte of the DOCX's text share (the XML deflates to ~1/3.1 of itself). */
const WORD_XML_FACTOR = 3.1;
/** Bytes of sheet XML per byte of the XLSX (cells deflate to ~1/5.3). */
const SHEET_XML_FACTOR = 5.3;

/** An XLSX of about `size` bytes: one sheet of bookings (dates, amounts, hours, shared-string descriptions). */
export function xlsx(prng: Prng, text: OfficeText, size: number): Buffer {
  const strings: string[] = [];
  for (let i = Math.min(400, 31 + Math.round(size / 1000)); i > 0; i -= 1) strings.push(text.text(prng.int(10, 60)).slice(0, 60).trim());
  const target = Math.max(1_000, Math.round((size - XLSX_FIXED) * SHEET_XML_FACTOR));
  const rows: string[] = [];
  let length = 0;
  for (let r = 1; length < target; r += 1) {
    const day = 45000 + prng.int(0, 2000);
    const row = `<row r="${r}" spans="1:6"><c r="A${r}" s="1"><v>${day}</v></c><c r="B${r}" t="s"><v>${prng.int(0, strings.length - 1)}</v></c><c r="C${r}"><v>${prng.int(1, 40) / 4}</v></c><c r="D${r}" s="2"><v>${(prng.int(1000, 4_000_000) / 100).toFixed(2)}</v></c><c r="E${r}" t="s"><v>${prng.int(0, 30)}</v></c><c r="F${r}" s="2"><f>C${r}*D${r}</f><v>${(prng.int(1000, 9_000_000) / 100).toFixed(2)}</v></c></row>`;
    rows.push(row);
    length += row.length;
  }
  const sheet = `${XML}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1:F${rows.length}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="12" customWidth="1"/><col min="2" max="2" width="48" customWidth="1"/></cols><sheetData>${rows.join('')}</sheetData><pageMargins left="0.7" right="0.7" top="0.78740157499999996" bottom="0.78740157499999996" header="0.3" footer="0.3"/></worksheet>`;
  const shared = `${XML}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${rows.length * 2}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t>${escape(s)}</t></si>`).join('')}</sst>`;
  const workbook = `${XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27425"/><workbookPr defaultThemeVersion="166925"/><bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/></bookViews><sheets><sheet name="Leistungen" sheetId="1" r:id="rId1"/></sheets><calcPr calcId="191029"/></workbook>`;
  const workbookRels = `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`;
  const styles = `${XML}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00\\ &quot;€&quot;"/></numFmts><fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font><font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Standard" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;
  const contentTypes = `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>`;
  return zipContainer([
    part('[Content_Types].xml', contentTypes),
    part('_rels/.rels', packageRels('xl/workbook.xml')),
    part('xl/workbook.xml', workbook),
    part('xl/_rels/workbook.xml.rels', workbookRels),
    part('xl/worksheets/sheet1.xml', sheet),
    part('xl/theme/theme1.xml', THEME),
    part('xl/styles.xml', styles),
    part('xl/sharedStrings.xml', shared),
    part('docProps/core.xml', coreProps('Leistungsaufstellung', text.name(), text.date())),
    part('docProps/app.xml', appProps('Microsoft Excel')),
  ]);
}
