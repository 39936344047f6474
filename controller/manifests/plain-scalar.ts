// When a string may be written as a plain (unquoted) YAML scalar. A plain scalar is typed by its
// reader, and readers disagree: YAML 1.2 reads `0o17` as 15, YAML 1.1 reads `yes`, `017`, `1_000`,
// `1:20` and `2024-01-01` as a bool, numbers and a date, and go-yaml (what kubectl and Helm use)
// also takes `0X1F`, `0O17` and `0_x1` for numbers. A value is written plain only when every one of
// them reads it back as exactly that string; anything else is quoted (promise 3, exact values).
import { isScalar, isSeq, parseDocument } from 'yaml';

/** Characters that never appear in a plain scalar we write: controls, YAML 1.1 line breaks, BOM. */
const NEVER_PLAIN = /[\p{Cc}\u2028\u2029\ufeff\ufffe\uffff]|\p{Cs}/u;

/** Whether `value` written plain (in a flow collection when `inFlow`) reads back as that exact string. */
export function canBePlain(value: string, site: { inFlow: boolean }): boolean {
  if (value === '' || value.trim() !== value || NEVER_PLAIN.test(value)) return false;
  return (
    readsBackAsString(value, site.inFlow, '1.2') &&
    readsBackAsString(value, site.inFlow, '1.1') &&
    goYamlReadsAsString(value)
  );
}

/** Parses `value` as a plain sequence item with the `yaml` package (1.1 with timestamps and merges). */
function readsBackAsString(value: string, inFlow: boolean, version: '1.1' | '1.2'): boolean {
  const doc = parseDocument(inFlow ? `[${value}]` : `- ${value}`, { version, merge: version === '1.1' });
  if (doc.errors.length > 0 || !isSeq(doc.contents) || doc.contents.items.length !== 1) return false;
  const scalar = doc.contents.items[0];
  return isScalar(scalar) && scalar.type === 'PLAIN' && scalar.source === value && scalar.value === value;
}

/** The words go-yaml v2 resolves to a bool, a null, an infinity, a NaN or the merge key. */
const GO_YAML_WORDS: ReadonlySet<string> = new Set(
  [
    'y Y yes Yes YES on On ON true True TRUE',
    'n N no No NO off Off OFF false False FALSE',
    '~ null Null NULL',
    '.nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF',
    '<<',
  ]
    .join(' ')
    .split(' '),
);

/** go-yaml tries these as timestamps (`2006-1-2`, with a time after `T`, `t` or a space). */
const GO_YAML_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ]|$)/;
/** Go's `strconv.ParseInt(s, 0, 64)`, which go-yaml applies after deleting every `_`. */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/;
/** go-yaml's `yamlStyleFloat`, also applied after deleting every `_`. */
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * Whether go-yaml v2 (sigs.k8s.io/yaml, used by kubectl and Helm) reads the plain scalar `value` as
 * a string. Follows its `resolve()`: only text starting with a sign, a digit or a dot can be a
 * number or a timestamp. Errs on the side of "not a string" (out-of-range numbers, any text after a
 * date), which only costs a pair of quotes.
 */
export function goYamlReadsAsString(value: string): boolean {
  if (GO_YAML_WORDS.has(value)) return false;
  if (!/^[-+.0-9]/.test(value)) return true;
  if (GO_YAML_TIMESTAMP.test(value)) return false;
  const digits = value.replaceAll('_', '');
  return !GO_INT.test(digits) && !GO_FLOAT.test(digits);
}
