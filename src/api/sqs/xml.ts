/** Maps in SQS's Query responses: member → [element, key element, value element]. */
const maps: Record<string, [string, string, string]> = {
  Attributes: ['Attribute', 'Name', 'Value'],
  Tags: ['Tag', 'Key', 'Value'],
  MessageAttributes: ['MessageAttribute', 'Name', 'Value'],
};

/**
 * Escapes text for XML content. Carriage returns are written as character references because XML parsers
 * turn a literal CR into LF, which would change a message body and break its MD5.
 */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === '<'
        ? '&lt;'
        : c === '>'
          ? '&gt;'
          : c === '"'
            ? '&quot;'
            : c === "'"
              ? '&apos;'
              : '&#xD;',
  );
}

export function xmlDocument(root: string): string {
  return `<?xml version="1.0"?>${root}`;
}

/**
 * Writes a JSON-shaped value as the Query protocol's XML: structures nest, lists are flattened (one element
 * per item, named by `listElements`), maps become Name/Value (or Key/Value) pairs.
 */
export function xmlElement(name: string, value: unknown, listElements: Record<string, string>): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return `<${name}>${xmlEscape(String(value))}</${name}>`;
  let inner = '';
  for (const [member, item] of Object.entries(value as Record<string, unknown>)) {
    const map = maps[member];
    if (Array.isArray(item)) {
      const element = listElements[member] ?? member;
      for (const entry of item) inner += xmlElement(element, entry, listElements);
    } else if (map && item !== null && typeof item === 'object') {
      const [element, keyName, valueName] = map;
      for (const [key, entry] of Object.entries(item as Record<string, unknown>)) {
        inner += `<${element}><${keyName}>${xmlEscape(key)}</${keyName}>${xmlElement(valueName, entry, listElements)}</${element}>`;
      }
    } else {
      inner += xmlElement(member, item, listElements);
    }
  }
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}
