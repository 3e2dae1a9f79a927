// The interface of @gamesrv/client that generated stubs use, as
// docs/typescript.md ("The contract between generated stubs and the
// runtime") states it. TestTypeCheck checks the golden files against it, so
// that they compile against any runtime that keeps the contract.
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";

export interface CallOptions {
  /** Aborts the call: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Deadline in milliseconds; default the connection's requestTimeoutMs. */
  timeoutMs?: number;
}

/** What generated stubs need from a connection. `Client` implements it. */
export interface Conn {
  request<I extends DescMessage, O extends DescMessage>(
    route: string, input: I, req: MessageInitShape<I>, output: O, options?: CallOptions,
  ): Promise<MessageShape<O>>;
  notify<I extends DescMessage>(
    route: string, input: I, req: MessageInitShape<I>, options?: CallOptions,
  ): Promise<void>;
  /** Registers a typed push handler for route; returns a function that unregisters it. */
  onPush<M extends DescMessage>(route: string, schema: M, handler: (msg: MessageShape<M>) => void): () => void;
}
