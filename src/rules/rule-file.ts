/**
 * Reads rule files: YAML, or JSON (which YAML 1.2 reads the same), holding one rule or a list
 * under `rules:`. Every problem comes back as one line `FILE:LINE:COLUMN: message`, the position
 * being that of the YAML node the problem is about (a zod issue's path walked down the document),
 * so a store operator goes straight to the place. Nothing here touches the store.
 */
import { readFile } from 'node:fs/promises';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Document,
  stringify,
} from 'yaml';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import {
  AT_KEY,
  buildRuleSchema,
  describeIssue,
  type RuleContext,
  type RuleDefinition,
  type RuleStatus,
} from './rule-schema.js';

export interface RuleProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ParsedRule {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly definition: RuleDefinition;
  /** The status the file asks for, if it names one. */
  readonly status: RuleStatus | undefined;
}

export interface RuleFileResult {
  readonly rules: readonly ParsedRule[];
  readonly problems: readonly RuleProblem[];
}

/** `file:line:column: message`, the one line a problem is printed as. */
export function formatProblem(problem: RuleProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}

/** Reads and checks rule files; an unreadable file is a problem like any other. */
export async function readRuleFiles(files: readonly string[], context: RuleContext): Promise<RuleFileResult> {
  const rules: ParsedRule[] = [];
  const problems: RuleProblem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({
        file,
        line: 1,
        column: 1,
        message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? 'error'})`,
      });
      continue;
    }
    const result = parseRuleText(text, file, context);
    rules.push(...result.rules);
    problems.push(...result.problems);
  }
  problems.push(...findDuplicateIds(rules));
  return { rules, problems };
}

/** Reads and checks the rules of one file's text. */
export function parseRuleText(source: string, file: string, context: RuleContext): RuleFileResult {
  // A byte-order mark is dropped here, so offsets below are offsets into the text parsed.
  const text = source.replace(/^\uFEFF/, '');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (document.errors.length)
    return {
      rules: [],
      problems: document.errors.map((error) => ({
        file,
        ...at(error.pos[0]),
        message: `not valid YAML: ${error.message.split('\n', 1)[0] ?? error.code}`,
      })),
    };
  const root: unknown = document.toJS();
  const listed = isMap(document.contents) && document.contents.has('rules');
  const entries: { value: unknown; path: (string | number)[] }[] = [];
  if (listed) {
    const list = (root as { rules: unknown }).rules;
    const extra = Object.keys(root as object).filter((key) => key !== 'rules');
    if (extra.length)
      return {
        rules: [],
        problems: extra.map((key) => ({
          file,
          ...at(locate(document, [key], true)),
          message: `unknown field '${key}' beside rules: a file holds one rule, or a list under rules:`,
        })),
      };
    if (!Array.isArray(list) || list.length === 0)
      return {
        rules: [],
        problems: [
          {
            file,
            ...at(locate(document, ['rules'], false)),
            message: 'expected a list of rules under rules:, found none',
          },
        ],
      };
    list.forEach((value, index) => entries.push({ value, path: ['rules', index] }));
  } else if (root === null || root === undefined) {
    return {
      rules: [],
      problems: [{ file, line: 1, column: 1, message: 'expected a rule, found an empty file' }],
    };
  } else {
    entries.push({ value: root, path: [] });
  }
  const schema = buildRuleSchema(context);
  const rules: ParsedRule[] = [];
  const problems: RuleProblem[] = [];
  for (const entry of entries) {
    const result = schema.safeParse(entry.value);
    if (result.success) {
      rules.push({ file, ...at(locate(document, entry.path, false)), ...result.data });
      continue;
    }
    const located = result.error.issues.map((issue) => locateIssue(document, text, entry, issue, file, at));
    problems.push(...located.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return { rules, problems };
}

function locateIssue(
  document: Document,
  text: string,
  entry: { value: unknown; path: (string | number)[] },
  issue: z.core.$ZodIssue,
  file: string,
  at: (offset: number) => { line: number; column: number },
): RuleProblem {
  const params = issue.code === 'custom' ? (issue.params as Record<string, unknown> | undefined) : undefined;
  const path = [...entry.path, ...issue.path.map((key) => (typeof key === 'number' ? key : String(key)))];
  let offset = locate(document, path, params?.at === AT_KEY);
  // A problem inside a text (a placeholder, an audience term) points at that place in the text.
  const needle = params?.needle;
  if (typeof needle === 'string') {
    const node = findNode(document, path);
    if (node?.range) {
      const index = text.slice(node.range[0], node.range[1]).indexOf(needle);
      if (index >= 0) offset = node.range[0] + index;
    }
  }
  return { file, ...at(offset), message: describeIssue(issue, entry.value) };
}

/** The node at a path, or undefined when the path leaves the document. */
function findNode(document: Document, path: readonly (string | number)[]): Node | undefined {
  let node: unknown = document.contents;
  for (const key of path) {
    if (isMap(node))
      node = node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(key))?.value;
    else if (isSeq(node)) node = node.items[Number(key)];
    else return undefined;
  }
  return (node ?? undefined) as Node | undefined;
}

/**
 * The offset of the deepest node on the path that exists: the value's node, or the key's node
 * when the problem is the key itself (an unknown field). A missing field points at its mapping.
 */
function locate(document: Document, path: readonly (string | number)[], atKey: boolean): number {
  let node: unknown = document.contents;
  let offset = document.contents?.range?.[0] ?? 0;
  for (const [index, key] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return offset;
      const keyNode = pair.key as Node;
      if (last && atKey) return keyNode.range?.[0] ?? offset;
      const value = pair.value as Node | null;
      // A key with no value (`order:`) has a null node at the key's end; point at the key.
      offset =
        value?.range && value.range[1] > value.range[0] ? value.range[0] : (keyNode.range?.[0] ?? offset);
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function findDuplicateIds(rules: readonly ParsedRule[]): RuleProblem[] {
  const seen = new Map<string, ParsedRule>();
  const problems: RuleProblem[] = [];
  for (const rule of rules) {
    const first = seen.get(rule.definition.id);
    if (first)
      problems.push({
        file: rule.file,
        line: rule.line,
        column: rule.column,
        message: `rule id '${rule.definition.id}' is given twice (first at ${first.file}:${first.line}:${first.column})`,
      });
    else seen.set(rule.definition.id, rule);
  }
  return problems;
}

/**
 * Throws the problems as one AppError: the first as its message, every other as a detail line,
 * so each problem is one line and nothing has been stored.
 */
export function throwProblems(problems: readonly RuleProblem[]): never {
  const [first, ...rest] = problems.map(formatProblem);
  throw new AppError('BAD_FILE', first ?? 'bad rule file', { details: rest });
}

/**
 * A rule file holding the given rules, as `huiyuan rules export` writes it: applied back, it
 * changes nothing (each rule's definition and status are exactly what is stored).
 */
export function stringifyRules(
  rules: readonly { readonly status: RuleStatus; readonly definition: RuleDefinition }[],
  format: 'yaml' | 'json',
): string {
  const documents = rules.map(({ status, definition }) => {
    const { id, name, ...rest } = definition;
    return { id, name, status, ...rest };
  });
  const [only] = documents;
  const value = documents.length === 1 && only ? only : { rules: documents };
  return format === 'json' ? JSON.stringify(value, null, 2) : stringify(value, { lineWidth: 0 }).trimEnd();
}
