import { describe, expect, it } from "vitest";
import { Markdown, parseBlocks, safeHref } from "../../../workers/portal/markdown";

const html = (source: string) => String(Markdown({ source }));

describe("the portal's Markdown renderer", () => {
  it("escapes HTML in the source: a script tag or an event handler shows up as text", () => {
    const out = html('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">');
    expect(out).not.toContain("<script");
    expect(out).not.toContain("<img");
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).toContain("&lt;img src=x onerror=&quot;alert(2)&quot;&gt;");
  });

  it("escapes HTML inside code blocks, inline code, emphasis and link text", () => {
    const out = html("```html\n<b>x</b>\n```\n\n`<i>` **<u>b</u>** [<s>t</s>](https://example.com)");
    expect(out).not.toMatch(/<(b|i|u|s)>/);
    expect(out).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(out).toContain('<code data-lang="html">');
  });

  it("keeps http(s), mailto and in-page links; javascript:, data: and relative targets render as text", () => {
    expect(safeHref("https://example.com/a")).toBe("https://example.com/a");
    expect(safeHref("mailto:a@example.com")).toBe("mailto:a@example.com");
    expect(safeHref("#setup")).toBe("#setup");
    for (const bad of ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x", "/relative", "//evil.example"]) {
      expect(safeHref(bad)).toBeNull();
    }
    const out = html("[click](javascript:alert(1)) and [docs](https://example.com/docs)");
    // the refused link stays visible as its source text, never as an element
    expect(out).toContain("[click](javascript:alert(1))");
    expect(out.match(/<a /g)).toHaveLength(1);
    expect(out).toContain('<a href="https://example.com/docs" rel="noopener noreferrer nofollow">docs</a>');
  });

  it("renders a link's attribute value escaped, so a quote cannot end the href", () => {
    const out = html('[x](https://example.com/"onmouseover="alert(1))');
    expect(out).not.toContain('"onmouseover=');
  });

  it("parses headings (one level below the page title), lists, quotes, rules and paragraphs", () => {
    expect(parseBlocks("# Title\n\n- a\n- b\n\n1. one\n2. two\n\n> quoted\n\n---\n\ntext\nmore")).toEqual([
      { kind: "heading", level: 1, text: "Title" },
      { kind: "list", ordered: false, items: ["a", "b"] },
      { kind: "list", ordered: true, items: ["one", "two"] },
      { kind: "quote", text: "quoted" },
      { kind: "rule" },
      { kind: "paragraph", text: "text more" },
    ]);
    const out = html("# Title\n\n*it* and **bold** and `code`");
    expect(out).toContain("<h2>Title</h2>");
    expect(out).toContain("<em>it</em>");
    expect(out).toContain("<strong>bold</strong>");
    expect(out).toContain("<code>code</code>");
  });
});
