/* Generated from contracts/node/*.json by `npm run contracts`. Do not edit: change the schema and regenerate. */

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
   * default: from each file's extension (.csv, .ndjson/.jsonl)
   */
  format?: 'csv' | 'ndjson';
  /**
   * auto: a UTF-8 byte order mark or valid UTF-8 is UTF-8, anything else GB18030 (a superset of GBK)
   */
  encoding?: 'auto' | 'utf-8' | 'gb18030';
  delimiter?: string;
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
   * @minItems 1
   */
  jobs: [NodeJob, ...NodeJob[]];
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
  source: FileDropSource;
  mapping?: RecordMapping;
  batchSize?: number;
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
   * the column with the time the record was last changed at the source (default: when the node read it)
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
