/**
 * The contract between SSH command output and samples. A parser is a pure
 * function of a command's stdout: it never runs commands, never throws on bad
 * input, and reports what it could not read as errors (which the probe counts
 * in agent.probe_errors) next to what it could.
 */

/** One sample without device and timestamp: the probe adds those. */
export interface ParsedMetric {
  measurement: string;
  tags?: Record<string, string>;
  fields: Record<string, number | string>;
}

export interface ParseResult {
  metrics: ParsedMetric[];
  /** Lines or sections that could not be read, each naming what and where. */
  errors: string[];
}

export interface ParseContext {
  /** The probe's clock in epoch milliseconds (for ages such as backup_age_h). */
  now: number;
}

export type Parser = (stdout: string, ctx: ParseContext) => ParseResult;
