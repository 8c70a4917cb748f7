/** The InfluxQL subset roomwatch answers (README "Grafana on the embedded store"). */

export type Expr =
  | { kind: 'ref'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'number'; value: number; integer: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'regex'; source: string; regex: RegExp }
  | { kind: 'duration'; ms: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr };

export type BinaryOp = '+' | '-' | '*' | '/' | '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | '=~' | '!~' | 'AND' | 'OR';

export interface SelectField {
  expr: Expr;
  alias?: string;
}

export type Fill = { kind: 'null' } | { kind: 'none' } | { kind: 'previous' } | { kind: 'linear' } | { kind: 'value'; value: number };

export interface SelectStatement {
  kind: 'select';
  fields: SelectField[];
  from: { measurement: string } | { subquery: SelectStatement };
  where?: Expr;
  groupBy: { intervalMs?: number; offsetMs?: number; tags: string[]; allTags: boolean };
  fill: Fill;
  descending: boolean;
  limit?: number;
  offset?: number;
  slimit?: number;
  soffset?: number;
}

export interface ShowTagValues {
  kind: 'show-tag-values';
  from?: string[];
  keys: { op: '=' | '!=' | '=~' | '!~' | 'IN'; values: string[]; regex?: RegExp };
  where?: Expr;
  limit?: number;
}

export interface ShowList {
  kind: 'show-measurements' | 'show-tag-keys' | 'show-field-keys' | 'show-databases' | 'show-retention-policies';
  from?: string[];
  where?: Expr;
  limit?: number;
}

export interface CreateDatabase {
  kind: 'create-database';
  name: string;
}

export type Statement = SelectStatement | ShowTagValues | ShowList | CreateDatabase;

/** A parse error at a place in the query, worded as InfluxDB words its own. */
export class InfluxQLError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfluxQLError';
  }
}
