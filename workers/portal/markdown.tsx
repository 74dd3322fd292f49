/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

/**
 * A small Markdown renderer for the portal's docs page. It never emits raw HTML: the source
 * is parsed into blocks and inline spans and rendered as JSX elements, so every piece of text
 * is escaped, and HTML in the source shows up as text. Links only keep http(s), mailto and
 * in-page (#…) targets.
 *
 * Supported: ATX headings, paragraphs, fenced code blocks, bullet and numbered lists,
 * blockquotes, horizontal rules, and inline code, **bold**, *italic* / _italic_ and [links](…).
 */

type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "code"; lang: string; text: string }
  | { kind: "list"; ordered: boolean; items: string[] }
  | { kind: "quote"; text: string }
  | { kind: "rule" };

export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  const isBlank = (l: string) => l.trim() === "";
  const bullet = /^\s{0,3}[-*+]\s+(.*)$/;
  const numbered = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^\s{0,3}(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++; // closing fence (or end of input)
      blocks.push({ kind: "code", lang: fence[2] ?? "", text: body.join("\n") });
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      blocks.push({ kind: "heading", level: heading[1]!.length, text: heading[2]! });
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      blocks.push({ kind: "rule" });
      i++;
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s{0,3}>\s?/, ""));
      blocks.push({ kind: "quote", text: body.join(" ") });
      continue;
    }
    const listMatch = bullet.exec(line) ?? numbered.exec(line);
    if (listMatch) {
      const ordered = !bullet.test(line);
      const re = ordered ? numbered : bullet;
      const items: string[] = [];
      while (i < lines.length) {
        const m = re.exec(lines[i]!);
        if (m) {
          items.push(m[1]!);
          i++;
        } else if (!isBlank(lines[i]!) && /^\s+\S/.test(lines[i]!) && items.length > 0) {
          items[items.length - 1] += " " + lines[i++]!.trim(); // continuation line
        } else break;
      }
      blocks.push({ kind: "list", ordered, items });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]!) && !/^\s{0,3}(#{1,6}\s|```|~~~|>)/.test(lines[i]!) && !bullet.test(lines[i]!) && !numbered.test(lines[i]!)) {
      para.push(lines[i++]!.trim());
    }
    blocks.push({ kind: "paragraph", text: para.join(" ") });
  }
  return blocks;
}

/** Only these link targets survive; anything else (javascript:, data:, …) renders as text. */
export function safeHref(href: string): string | null {
  const h = href.trim();
  if (h.startsWith("#")) return h;
  try {
    const u = new URL(h);
    return u.protocol === "https:" || u.protocol === "http:" || u.protocol === "mailto:" ? u.toString() : null;
  } catch {
    return null;
  }
}

const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][^*]*?)\*|\b_([^_\s][^_]*?)_\b/;

export function renderInline(text: string): Child[] {
  const out: Child[] = [];
  let rest = text;
  while (rest.length > 0) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    if (m[1] !== undefined) out.push(<code>{m[2]!.trim()}</code>);
    else if (m[3] !== undefined) {
      const href = safeHref(m[4]!);
      out.push(
        href ? (
          <a href={href} rel="noopener noreferrer nofollow">
            {renderInline(m[3])}
          </a>
        ) : (
          m[0]
        ),
      );
    } else if (m[5] !== undefined || m[6] !== undefined) out.push(<strong>{renderInline((m[5] ?? m[6])!)}</strong>);
    else out.push(<em>{renderInline((m[7] ?? m[8])!)}</em>);
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

export function Markdown({ source }: { source: string }) {
  return (
    <div class="markdown">
      {parseBlocks(source).map((b) => {
        switch (b.kind) {
          case "heading": {
            const content = renderInline(b.text);
            // h1 is the page title; document headings start one level lower
            const level = Math.min(6, b.level + 1);
            if (level === 2) return <h2>{content}</h2>;
            if (level === 3) return <h3>{content}</h3>;
            if (level === 4) return <h4>{content}</h4>;
            if (level === 5) return <h5>{content}</h5>;
            return <h6>{content}</h6>;
          }
          case "paragraph":
            return <p>{renderInline(b.text)}</p>;
          case "code":
            return (
              <pre>
                <code data-lang={b.lang || undefined}>{b.text}</code>
              </pre>
            );
          case "list":
            return b.ordered ? (
              <ol>
                {b.items.map((it) => (
                  <li>{renderInline(it)}</li>
                ))}
              </ol>
            ) : (
              <ul>
                {b.items.map((it) => (
                  <li>{renderInline(it)}</li>
                ))}
              </ul>
            );
          case "quote":
            return <blockquote>{renderInline(b.text)}</blockquote>;
          case "rule":
            return <hr />;
          default:
            return b satisfies never;
        }
      })}
    </div>
  );
}
