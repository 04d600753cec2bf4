// A strict well-formedness check of WXML (the simulator's compiler accepts broken markup):
// every tag closed in order, attributes quoted, {{ }} balanced; and the event handlers it
// names. Returns a list of problems, empty when the file is sound.

const EVENT_ATTR = /^(?:bind|catch|capture-bind|capture-catch|mut-bind):?([a-z]+)$/;

function checkWxml(source) {
  const problems = [];
  const stack = [];
  const handlers = new Set();
  const line = (at) => source.slice(0, at).split("\n").length;
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf("<", i);
    if (open < 0) break;
    checkMustache(source.slice(i, open), line(i), problems);
    if (source.startsWith("<!--", open)) {
      const end = source.indexOf("-->", open);
      if (end < 0) problems.push(`line ${line(open)}: comment never closed`);
      i = end < 0 ? source.length : end + 3;
      continue;
    }
    const tag = readTag(source, open);
    if (tag.error) {
      problems.push(`line ${line(open)}: ${tag.error}`);
      break;
    }
    i = tag.end;
    if (tag.closing) {
      const top = stack.pop();
      if (!top || top.name !== tag.name) {
        problems.push(`line ${line(open)}: </${tag.name}> closes ${top ? `<${top.name}> of line ${top.line}` : "nothing"}`);
      }
      continue;
    }
    for (const [name, value] of tag.attributes) {
      if (value === null) continue;
      checkMustache(value, line(open), problems);
      const event = EVENT_ATTR.exec(name);
      if (event && !value.includes("{{")) handlers.add(value);
    }
    if (!tag.selfClosing) stack.push({ name: tag.name, line: line(open) });
  }
  for (const left of stack) problems.push(`line ${left.line}: <${left.name}> never closed`);
  return { problems, handlers };
}

function readTag(source, start) {
  const match = /^<(\/?)([a-zA-Z][\w-]*)/.exec(source.slice(start, start + 64));
  if (!match) return { error: "a '<' that starts no tag" };
  const attributes = [];
  let i = start + match[0].length;
  for (;;) {
    while (/\s/.test(source[i] || "")) i += 1;
    if (i >= source.length) return { error: `<${match[2]}> never ends` };
    if (source.startsWith("/>", i)) return { name: match[2], closing: !!match[1], selfClosing: true, attributes, end: i + 2 };
    if (source[i] === ">") return { name: match[2], closing: !!match[1], selfClosing: false, attributes, end: i + 1 };
    const attr = /^[\w:.-]+/.exec(source.slice(i, i + 128));
    if (!attr) return { error: `unexpected '${source[i]}' in <${match[2]}>` };
    i += attr[0].length;
    if (source[i] !== "=") {
      attributes.push([attr[0], null]);
      continue;
    }
    const quote = source[i + 1];
    if (quote !== '"' && quote !== "'") return { error: `${attr[0]}= is not quoted in <${match[2]}>` };
    const close = source.indexOf(quote, i + 2);
    if (close < 0) return { error: `${attr[0]} never ends in <${match[2]}>` };
    attributes.push([attr[0], source.slice(i + 2, close)]);
    i = close + 1;
  }
}

function checkMustache(text, at, problems) {
  const opens = (text.match(/\{\{/g) || []).length;
  const closes = (text.match(/\}\}/g) || []).length;
  if (opens !== closes) problems.push(`line ${at}: unbalanced {{ }} in ${JSON.stringify(text.trim().slice(0, 60))}`);
}

module.exports = { checkWxml };
