/**
 * The part of node-oracledb (Thin mode) the oracle probe uses. The package
 * ships no types; these follow its documentation (node-oracledb 6+/26).
 */
declare module 'oracledb' {
  interface Connection {
    callTimeout: number;
    execute(sql: string, binds: unknown[], options: { outFormat: number; maxRows?: number }): Promise<{ rows?: unknown[] }>;
    close(): Promise<void>;
  }
  interface ConnectionAttributes {
    connectString: string;
    user: string;
    password: string;
    /** Seconds. */
    connectTimeout?: number;
    privilege?: number;
  }
  const oracledb: {
    readonly thin: boolean;
    readonly SYSDG: number;
    readonly OUT_FORMAT_ARRAY: number;
    getConnection(attrs: ConnectionAttributes): Promise<Connection>;
  };
  export default oracledb;
}
