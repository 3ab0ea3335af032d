/**
 * Parses YAML (and JSON, which is YAML's flow subset) keeping the source positions, so
 * any field path can be turned back into "file:line:column".
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { InputIssue, PathSegment } from "./input-issues.js";

export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses the text; syntax errors are returned as issues (all of them). */
  static parse(file: string, text: string): { source: YamlSource; data: unknown; issues: InputIssue[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const source = new YamlSource(file, doc, lines);
    const issues: InputIssue[] = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return {
        code: "syntax",
        file,
        line: at.line,
        column: at.col,
        path: [],
        message: e.message.split("\n")[0],
      };
    });
    return { source, data: issues.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }), issues };
  }

  /**
   * Line and column of the node at `path`: the key of the last segment when `atKey`
   * (unknown keys), else its value; for a path that does not exist, the deepest
   * existing node on the way (where a missing key should go).
   */
  locate(path: readonly PathSegment[], atKey = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let found: Node | null = isNode(node) ? node : null;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      let next: unknown;
      let key: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        next = pair?.value;
        key = pair?.key;
      } else if (isSeq(node) && typeof seg === "number") {
        next = node.items[seg];
      }
      if (atKey && i === path.length - 1 && isNode(key)) return this.pos(key);
      if (!isNode(next)) break;
      node = next;
      found = next;
    }
    return found ? this.pos(found) : { line: 1, column: 1 };
  }

  private pos(node: Node): { line: number; column: number } {
    const offset = node.range?.[0] ?? 0;
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && "range" in v;
}
