/**
 * The xl.cfg(5) grammar: `KEY = VALUE` settings separated by newlines or ';'; a value is
 * a "string" or 'string' (backslash escapes in double quotes), a number (decimal,
 * 0-octal or 0x-hex), or a [list, of, values] (heterogeneous, nested, may span lines,
 * trailing comma allowed); '#' starts a comment. Every syntax error is collected with
 * its line and column; parsing resumes at the next line.
 */
import type { InputIssue } from "./input-issues.js";

export type XlValue = string | number | XlValue[];

export interface XlSetting {
  key: string;
  value: XlValue;
  line: number;
  column: number;
}

/** Tokeniser and recursive-descent parser for the xl.cfg grammar. */
class XlParser {
  private pos = 0;
  private line = 1;
  private col = 1;
  readonly issues: InputIssue[] = [];

  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  parse(): XlSetting[] {
    const settings: XlSetting[] = [];
    for (;;) {
      this.skipBlank(true);
      if (this.pos >= this.text.length) break;
      const line = this.line;
      const column = this.col;
      const key = this.ident();
      if (key === null) {
        this.fail(`expected a setting name (KEY = VALUE), got ${JSON.stringify(this.peek())}`);
        this.skipLine();
        continue;
      }
      this.skipBlank(false);
      if (this.peek() !== "=") {
        this.fail(`expected "=" after "${key}"`);
        this.skipLine();
        continue;
      }
      this.advance();
      const value = this.value(false);
      if (value === null) {
        this.skipLine();
        continue;
      }
      settings.push({ key, value, line, column });
      this.skipBlank(false);
      const c = this.peek();
      if (c === ";" || c === "\n") this.advance();
      else if (c !== "" && c !== "#") {
        this.fail(`expected a newline or ";" after the value of "${key}", got ${JSON.stringify(c)}`);
        this.skipLine();
      }
    }
    return settings;
  }

  /** A value; inside a list it may start on a later line, at top level it may not. */
  private value(inList: boolean): XlValue | null {
    this.skipBlank(inList);
    const c = this.peek();
    if (c === '"' || c === "'") return this.string(c);
    if (c === "[") return this.list();
    const m = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?)/.exec(this.text.slice(this.pos, this.pos + 64));
    if (m) {
      this.advanceBy(m[0].length);
      const s = m[0];
      if (s.startsWith("0x")) return Number.parseInt(s, 16);
      if (/^0\d+$/.test(s)) return Number.parseInt(s, 8);
      return Number(s);
    }
    const found = c === "" ? "end of file" : c === "\n" ? "end of line" : JSON.stringify(c);
    this.fail(`expected a value: a "string", a number or a [list], got ${found}`);
    return null;
  }

  private string(quote: string): string | null {
    const startLine = this.line;
    const startCol = this.col;
    this.advance();
    let out = "";
    while (this.pos < this.text.length) {
      const c = this.peek();
      if (c === quote) {
        this.advance();
        return out;
      }
      if (c === "\n") break;
      if (c === "\\" && quote === '"' && this.pos + 1 < this.text.length) {
        this.advance();
        const e = this.peek();
        out += e === "n" ? "\n" : e === "t" ? "\t" : e;
        this.advance();
        continue;
      }
      out += c;
      this.advance();
    }
    this.issues.push({
      code: "syntax",
      file: this.file,
      line: startLine,
      column: startCol,
      path: [],
      message: "unterminated string",
    });
    return null;
  }

  private list(): XlValue[] | null {
    this.advance();
    const items: XlValue[] = [];
    for (;;) {
      this.skipBlank(true);
      if (this.peek() === "]") {
        this.advance();
        return items;
      }
      const v = this.value(true);
      if (v === null) return null;
      items.push(v);
      this.skipBlank(true);
      const c = this.peek();
      if (c === ",") this.advance();
      else if (c !== "]") {
        this.fail(`expected "," or "]" in a list, got ${JSON.stringify(c || "end of file")}`);
        return null;
      }
    }
  }

  private ident(): string | null {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 128));
    if (!m) return null;
    this.advanceBy(m[0].length);
    return m[0];
  }

  /** Skips spaces and comments; newlines too when `newlines`. */
  private skipBlank(newlines: boolean): void {
    while (this.pos < this.text.length) {
      const c = this.peek();
      if (c === "#") {
        while (this.pos < this.text.length && this.peek() !== "\n") this.advance();
      } else if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) {
        this.advance();
      } else break;
    }
  }

  private skipLine(): void {
    while (this.pos < this.text.length && this.peek() !== "\n") this.advance();
  }

  private peek(): string {
    return this.text[this.pos] ?? "";
  }

  private advance(): void {
    if (this.text[this.pos] === "\n") {
      this.line++;
      this.col = 1;
    } else this.col++;
    this.pos++;
  }

  private advanceBy(n: number): void {
    for (let i = 0; i < n; i++) this.advance();
  }

  private fail(message: string): void {
    this.issues.push({
      code: "syntax",
      file: this.file,
      line: this.line,
      column: this.col,
      path: [],
      message,
    });
  }
}

/** Parses xl.cfg text into settings; syntax errors come back as issues, all of them. */
export function parseXlCfg(file: string, text: string): { settings: XlSetting[]; issues: InputIssue[] } {
  const p = new XlParser(file, text);
  const settings = p.parse();
  return { settings, issues: p.issues };
}
