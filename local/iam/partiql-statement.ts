/**
 * What a PartiQL for DynamoDB statement asks IAM for: its verb and the table (and, for a SELECT,
 * the index) it names. IAM evaluates `dynamodb:PartiQLSelect`, `PartiQLInsert`, `PartiQLUpdate` or
 * `PartiQLDelete` on that table or index (developer guide, "IAM security policies with PartiQL for
 * DynamoDB", ql-iam.html; Service Authorization Reference for DynamoDB: ExecuteStatement,
 * BatchExecuteStatement and ExecuteTransaction authorize exactly these four actions, PartiQLSelect
 * on a table or an index, the other three on a table).
 *
 * Strict on purpose: the parser reads only the head of the statement (verb, projection, target)
 * in the grammar of the developer guide's PartiQL reference (ql-reference.select/insert/update/
 * delete.html), and anything outside it is refused with PartiQLStatementUnreadableError rather
 * than guessed. A statement this parser reads differently from DynamoDB would be authorized
 * against the wrong table, so the refusals err wide: a SELECT whose projection holds anything but
 * attribute paths, a bare table name with a dot, a target followed by anything but the clause the
 * grammar allows there, EXISTS(…) conditions of a transaction, comments.
 */

export type PartiQLAction = 'PartiQLSelect' | 'PartiQLInsert' | 'PartiQLUpdate' | 'PartiQLDelete';

export interface PartiQLTarget {
  readonly action: PartiQLAction;
  /** As written in the statement, quotes removed. */
  readonly tableName: string;
  readonly indexName?: string;
}

export class PartiQLStatementUnreadableError extends Error {
  constructor(readonly statement: string, reason: string) {
    super(`The local IAM gateway cannot tell which action and table this PartiQL statement needs (${reason}), so it refuses it: ${statement}`);
    this.name = 'PartiQLStatementUnreadableError';
  }
}

type Token = { kind: 'word'; text: string } | { kind: 'quoted'; text: string } | { kind: 'symbol'; text: string };

/**
 * Words, "quoted identifiers", and the few symbols a projection or target may hold. Anything
 * else (string literals, parentheses, `?`, comments) is a symbol the head grammar does not allow,
 * so it ends the readable head; the caller decides whether the head is complete by then.
 */
const HEAD_TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_-]*)|"([^"]*)"|(\*|,|\.|\[\s*\d+\s*\])|(\S))/y;

function headTokens(statement: string): Token[] {
  const pattern = new RegExp(HEAD_TOKEN);
  const tokens: Token[] = [];
  while (pattern.lastIndex < statement.length) {
    const match = pattern.exec(statement);
    if (!match) break; // only trailing whitespace is left
    const [, word, quoted, symbol, other] = match;
    if (word !== undefined) tokens.push({ kind: 'word', text: word });
    else if (quoted !== undefined) tokens.push({ kind: 'quoted', text: quoted });
    else tokens.push({ kind: 'symbol', text: symbol ?? other ?? '' });
    if (other !== undefined) break; // nothing after an unknown character is read
  }
  return tokens;
}

const isWord = (token: Token | undefined, word: string): boolean => token?.kind === 'word' && token.text.toUpperCase() === word;

class HeadReader {
  private position = 0;

  constructor(private readonly statement: string, private readonly tokens: Token[]) {}

  refuse(reason: string): never {
    throw new PartiQLStatementUnreadableError(this.statement, reason);
  }

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  next(): Token | undefined {
    const token = this.tokens[this.position];
    this.position += 1;
    return token;
  }

  lastWasQuoted(): boolean {
    return this.tokens[this.position - 1]?.kind === 'quoted';
  }

  expectWord(word: string): void {
    if (!isWord(this.next(), word)) this.refuse(`expected ${word}`);
  }

  /** A table or index name: a "quoted identifier", or a bare one (which cannot hold a dot). */
  name(what: string): string {
    const token = this.next();
    if (token?.kind === 'quoted' && token.text.length > 0) return token.text;
    if (token?.kind === 'word') return token.text;
    return this.refuse(`expected a ${what} name`);
  }

  /** After the target: the end of the statement or one of the clauses the grammar allows there. */
  expectClauseOrEnd(allowed: readonly string[]): void {
    const token = this.peek();
    if (token === undefined) return;
    if (!allowed.some((word) => isWord(token, word))) this.refuse(`unexpected ${JSON.stringify(token.text)} after the table name`);
  }
}

/** SELECT projection: `*` or attribute paths, up to the FROM keyword. */
function readProjection(reader: HeadReader): void {
  let sawAny = false;
  for (let token = reader.peek(); token !== undefined && !isWord(token, 'FROM'); token = reader.peek()) {
    const allowed = token.kind === 'quoted' || token.kind === 'word' || ['*', ',', '.'].includes(token.text) || /^\[\s*\d+\s*\]$/.test(token.text);
    if (!allowed) reader.refuse(`a projection holding ${JSON.stringify(token.text)}`);
    reader.next();
    sawAny = true;
  }
  if (!sawAny) reader.refuse('an empty projection');
}

/** The action and target of one PartiQL for DynamoDB statement; throws PartiQLStatementUnreadableError when unsure. */
export function partiqlTarget(statement: string): PartiQLTarget {
  const reader = new HeadReader(statement, headTokens(statement));
  const verb = reader.next();
  if (isWord(verb, 'SELECT')) {
    readProjection(reader);
    reader.expectWord('FROM');
    const tableName = reader.name('table');
    let indexName: string | undefined;
    if (reader.peek()?.text === '.') {
      // The guide asks for both names quoted when an index is named ("Table"."Index"); a bare
      // `a.b` could be read as a table named with a dot, so it is refused.
      if (!reader.lastWasQuoted()) reader.refuse('a table name with a dot, unquoted');
      reader.next();
      indexName = reader.name('index');
      if (!reader.lastWasQuoted()) reader.refuse('an unquoted index name');
    }
    reader.expectClauseOrEnd(['WHERE', 'ORDER']);
    return indexName === undefined ? { action: 'PartiQLSelect', tableName } : { action: 'PartiQLSelect', tableName, indexName };
  }
  if (isWord(verb, 'INSERT')) {
    reader.expectWord('INTO');
    const tableName = reader.name('table');
    reader.expectWord('VALUE');
    return { action: 'PartiQLInsert', tableName };
  }
  if (isWord(verb, 'UPDATE')) {
    const tableName = reader.name('table');
    const clause = reader.peek();
    if (!isWord(clause, 'SET') && !isWord(clause, 'REMOVE')) reader.refuse('expected SET or REMOVE');
    return { action: 'PartiQLUpdate', tableName };
  }
  if (isWord(verb, 'DELETE')) {
    reader.expectWord('FROM');
    const tableName = reader.name('table');
    reader.expectClauseOrEnd(['WHERE']);
    return { action: 'PartiQLDelete', tableName };
  }
  return reader.refuse('the statement does not start with SELECT, INSERT, UPDATE or DELETE');
}
