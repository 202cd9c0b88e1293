/* Generated from contracts/node/*.json by `npm run contracts`. Do not edit: change the schema and regenerate. */

/**
 * 库表: a table or query of the department's PostgreSQL or MySQL/MariaDB database, first read whole in key order (resumable), then incrementally by a watermark
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "DatabaseSource".
 */
export type DatabaseSource = DatabaseSource1 & DatabaseSource2;
export type DatabaseSource1 = {
  [k: string]: unknown | undefined;
};
/**
 * trim · halfwidth (全角 → 半角) · upper · lower · {date: 'YYYYMMDD'} (a date in that layout to YYYY-MM-DD) · {codes: {'男': '1'}} (a code table; a value not in it is an error)
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "Transform".
 */
export type Transform =
  | ('trim' | 'halfwidth' | 'upper' | 'lower')
  | {
      date: 'YYYYMMDD' | 'YYYY/MM/DD' | 'YYYY-MM-DD' | 'YYYY.MM.DD' | 'YYYY年MM月DD日';
    }
  | {
      codes: {
        [k: string]: string | number | undefined;
      };
    };

export interface DatabaseSource2 {
  kind: 'postgres' | 'mysql';
  /**
   * a file holding the connection URL (postgres://… or mysql://…, with its password), mode 0600
   */
  urlFile: string;
  /**
   * a table or view, optionally schema.table
   */
  table?: string;
  /**
   * instead of a table: a SELECT whose rows are read (without ORDER BY or LIMIT; the node adds its own)
   */
  query?: string;
  /**
   * a unique, non-null column: the back-fill goes in its order and it breaks watermark ties
   */
  key: string;
  /**
   * how changes are found after the back-fill; without it the table is read whole once and then only checked for nothing
   */
  watermark?: {
    /**
     * an updated_at column set by the database on every change, or an id that only grows
     */
    column: string;
    type?: 'timestamp' | 'sequence';
    /**
     * rows younger than this (by the database's clock) wait for the next poll, so a transaction that commits late is not skipped
     */
    lateCommitSeconds?: number;
  };
  pollSeconds?: number;
  /**
   * rows per query and per spool transaction
   */
  chunkRows?: number;
}
/**
 * a table of the department's PostgreSQL or MySQL/MariaDB database that received records are upserted into (and deleted from)
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "DatabaseTarget".
 */
export interface DatabaseTarget {
  kind: 'postgres' | 'mysql';
  /**
   * a file holding the connection URL, mode 0600
   */
  urlFile: string;
  /**
   * optionally schema.table; created if missing
   */
  table: string;
  /**
   * the column holding the record's key (the primary key)
   */
  keyColumn?: string;
  /**
   * column → field of the record; without it each granted field goes to a column of its own name
   */
  columns?: {
    [k: string]: string | undefined;
  };
}
/**
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "FieldMapping".
 */
export interface FieldMapping {
  /**
   * the source column
   */
  from?: string;
  /**
   * a fixed value instead of a column
   */
  constant?: string | number | boolean;
  /**
   * what text from a file becomes
   */
  type?: 'string' | 'number' | 'integer' | 'boolean';
  transforms?: Transform[];
}
/**
 * 文件交换: files dropped into a folder, each processed once, then moved to done/ or failed/ with an error report
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "FileDropSource".
 */
export interface FileDropSource {
  kind: 'file-drop';
  folder: string;
  /**
   * default: from each file's extension (.csv, .ndjson/.jsonl, .json: an array of objects)
   */
  format?: 'csv' | 'ndjson' | 'json';
  /**
   * auto: a UTF-8 byte order mark or valid UTF-8 is UTF-8, anything else GB18030 (a superset of GBK)
   */
  encoding?: 'auto' | 'utf-8' | 'gb18030';
  delimiter?: string;
}
/**
 * the department's business systems POST rows to the node (POST /push/{job} on the node's local listener), answered once the rows are in the spool
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "HttpIntakeSource".
 */
export interface HttpIntakeSource {
  kind: 'http-intake';
}
/**
 * A front-end node's configuration (node.yaml or node.json). Relative paths are relative to the file.
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "NodeConfig".
 */
export interface NodeConfig {
  exchange: {
    /**
     * the exchange's base URL
     */
    url: string;
    /**
     * a file holding the node's API key (brxn_…), mode 0600
     */
    apiKeyFile: string;
    /**
     * the node's Ed25519 private key, PKCS#8 PEM (brx node keygen writes it)
     */
    privateKeyFile: string;
    timeoutSeconds?: number;
  };
  /**
   * the node's durable store: records wait here until the exchange has accepted them
   */
  spool?: string;
  /**
   * publishing: a source's rows into a dataset
   */
  jobs?: NodeJob[];
  /**
   * receiving: a subscription's records into a local table
   */
  receive?: ReceiveJob[];
  listen?: NodeListener;
  /**
   * how often the node reports its state to the exchange
   */
  heartbeatSeconds?: number;
}
/**
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "NodeJob".
 */
export interface NodeJob {
  /**
   * names the job in logs, the spool and the status
   */
  name: string;
  /**
   * the dataset code the job publishes to
   */
  dataset: string;
  source: FileDropSource | DatabaseSource | HttpIntakeSource;
  mapping?: RecordMapping;
  batchSize?: number;
  /**
   * batches in flight at once
   */
  sendConcurrency?: number;
  /**
   * send-rate limit (流量控制); none by default
   */
  recordsPerSecond?: number;
}
/**
 * How a source row becomes a record of the dataset's contract. Without fields, columns are taken by their own names.
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "RecordMapping".
 */
export interface RecordMapping {
  /**
   * contract field → where its value comes from
   */
  fields?: {
    [k: string]: FieldMapping | undefined;
  };
  /**
   * the column with the time the record was last changed at the source (default: when the node read it); a time without a zone is China Standard Time
   */
  sourceTimeField?: string;
  /**
   * a soft-delete flag: rows whose field has one of these values are deletions
   */
  deleteWhen?: {
    field: string;
    /**
     * @minItems 1
     */
    values: [string, ...string[]];
  };
  /**
   * a JavaScript module whose default export (row, record) => record | null adjusts each record (null drops it)
   */
  hook?: string;
}
/**
 * 库表交换 (the consumer side): follows a subscription held for one of the department's systems and writes what arrives into a local table; the cursor moves only after the local write has committed
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "ReceiveJob".
 */
export interface ReceiveJob {
  name: string;
  dataset: string;
  /**
   * the department's consuming system whose subscribe grant this uses
   */
  system: string;
  /**
   * an existing pull subscription of that system; without it the node creates one and keeps its id
   */
  subscription?: string;
  /**
   * for a subscription the node creates: changes from now, or a snapshot first (needs the file mode in the grant)
   */
  start?: 'now' | 'beginning';
  target: DatabaseTarget;
  eventsPerPoll?: number;
}
/**
 * the node's own HTTP listener: POST /push/{job} for http-intake jobs, GET /status and GET /metrics
 *
 * This interface was referenced by `BrxNode`'s JSON-Schema
 * via the `definition` "NodeListener".
 */
export interface NodeListener {
  /**
   * localhost by default: only programs on this machine can reach it
   */
  host?: string;
  port?: number;
  /**
   * a file holding the key business systems send as Bearer to /push (not the exchange's key); required when a job takes pushes
   */
  apiKeyFile?: string;
}
