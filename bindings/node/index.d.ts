// Type declarations of otlp-ffi (Node.js binding of libotlp_ffi).

/** A Date, epoch milliseconds (number), epoch nanoseconds (bigint) or an HrTime [s, ns]. */
export type TimeInput = Date | number | bigint | [number, number];
export type AttributeValue =
  | string | number | boolean | bigint
  | string[] | number[] | boolean[] | bigint[];
export type Attributes = Record<string, AttributeValue | null | undefined>;
/** A carrier of HTTP headers: a plain object or Node's IncomingHttpHeaders. */
export type Carrier = Record<string, string | string[] | undefined>;

export declare const SpanKind: Readonly<{ INTERNAL: 1; SERVER: 2; CLIENT: 3; PRODUCER: 4; CONSUMER: 5 }>;
export type SpanKindValue = 1 | 2 | 3 | 4 | 5 | 'internal' | 'server' | 'client' | 'producer' | 'consumer'
  | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export declare const StatusCode: Readonly<{ UNSET: 0; OK: 1; ERROR: 2 }>;
export type StatusCodeValue = 0 | 1 | 2 | 'unset' | 'ok' | 'error' | 'UNSET' | 'OK' | 'ERROR';

export interface Link { context: SpanContext | Span; attributes?: Attributes }

export interface StartSpanOptions {
  kind?: SpanKindValue;
  parent?: SpanContext | Span | null;
  attributes?: Attributes;
  links?: Array<SpanContext | Span | Link>;
  startTime?: TimeInput;
}

export interface ProviderOptions {
  endpoint?: string;
  serviceName?: string;
  tracesEndpoint?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduleDelayMs?: number;
  exportTimeoutMs?: number;
  disabled?: boolean;
  sampler?: string;
  samplerArg?: string | number;
  attributeCountLimit?: number;
  attributeValueLengthLimit?: number;
  exporter?: string;
  protocol?: 'http/protobuf' | 'http/json' | 'grpc' | string;
  compression?: 'gzip' | 'none' | string;
  certificate?: string;
  clientKey?: string;
  clientCertificate?: string;
  /** Resource attributes (win over OTEL_RESOURCE_ATTRIBUTES). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** OTEL_* settings given verbatim. */
  config?: Record<string, string | number | boolean>;
  /** Bound of the flush at process exit (default 5000 ms). */
  exitTimeoutMs?: number;
}

export interface Stats {
  spansStarted: number;
  spansEnded: number;
  spansExported: number;
  spansDropped: number;
  exportFailures: number;
}

export declare class TracerProvider {
  constructor(endpoint?: string, serviceName?: string, options?: ProviderOptions);
  constructor(options: ProviderOptions);
  readonly closed: boolean;
  getTracer(name?: string, version?: string, schemaUrl?: string): Tracer;
  forceFlush(timeoutMs?: number): Promise<void>;
  shutdown(timeoutMs?: number): Promise<void>;
  stats(): Stats;
  free(): void;
  close(): void;
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

export declare class Tracer {
  private constructor();
  readonly scope: { name: string; version: string; schemaUrl: string };
  startSpan(name: string, options?: StartSpanOptions): Span;
}

export interface Exception { name?: string; message?: string; stack?: string }

export declare class Span {
  private constructor();
  readonly ended: boolean;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  setAttribute(key: string, value: AttributeValue | null | undefined): this;
  setAttributes(attributes: Attributes): this;
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this;
  setStatus(status: { code: StatusCodeValue; message?: string } | StatusCodeValue, message?: string): this;
  recordException(exception: Error | Exception | string, time?: TimeInput): this;
  updateName(name: string): this;
  isRecording(): boolean;
  spanContext(): SpanContext;
  inject<C extends Record<string, unknown>>(carrier?: C, baggage?: Baggage): C & { traceparent: string; tracestate?: string };
  end(endTime?: TimeInput): void;
  [Symbol.dispose](): void;
}

export declare class SpanContext {
  private constructor();
  static fromTraceparent(traceparent: string, tracestate?: string | null): SpanContext;
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState: string;
  readonly traceparent: string;
  readonly isRemote: boolean;
  readonly closed: boolean;
  free(): void;
  close(): void;
  [Symbol.dispose](): void;
}

export declare class Baggage {
  constructor(entries?: Record<string, string>);
  static fromHeader(value: string): Baggage;
  static extract(carrier: Carrier): Baggage;
  set(key: string, value: string): this;
  get(key: string): string | undefined;
  has(key: string): boolean;
  delete(key: string): this;
  toHeader(): string;
  toObject(): Record<string, string>;
  inject<C extends Record<string, unknown>>(carrier?: C): C;
  readonly closed: boolean;
  free(): void;
  close(): void;
  [Symbol.dispose](): void;
}

export declare function extract(carrier: Carrier): SpanContext | null;
export declare function inject<C extends Record<string, unknown>>(source: Span | SpanContext, carrier?: C, baggage?: Baggage): C;
export declare function libraryVersion(): string;
export declare const libraryPath: string;

export type ErrorCodeName =
  | 'OTLP_ERROR_INVALID_ARGUMENT' | 'OTLP_ERROR_NULL_POINTER' | 'OTLP_ERROR_INITIALIZATION_FAILED'
  | 'OTLP_ERROR_EXPORT_FAILED' | 'OTLP_ERROR_OUT_OF_MEMORY' | 'OTLP_ERROR_INVALID_HANDLE'
  | 'OTLP_ERROR_TIMEOUT' | 'OTLP_ERROR_INTERNAL';
export declare const ErrorCode: Readonly<Record<'OTLP_OK' | ErrorCodeName, number>>;

export declare class OtlpError extends Error {
  /** The otlp_error_t name. */
  readonly code: ErrorCodeName;
  /** The otlp_error_t value. */
  readonly errno: number;
}
export declare class OtlpInvalidArgumentError extends OtlpError {}
export declare class OtlpNullPointerError extends OtlpError {}
export declare class OtlpInitializationError extends OtlpError {}
export declare class OtlpExportFailedError extends OtlpError {}
export declare class OtlpOutOfMemoryError extends OtlpError {}
export declare class OtlpInvalidHandleError extends OtlpError {}
export declare class SpanEndedError extends OtlpInvalidHandleError {}
export declare class HandleClosedError extends OtlpInvalidHandleError {}
export declare class OtlpTimeoutError extends OtlpError {}
export declare class OtlpInternalError extends OtlpError {}
