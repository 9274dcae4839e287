import type { ActionOutput } from './service.ts';

/** A decoded request: which action, and its input in the JSON protocol's shape. */
export interface DecodedRequest {
  action: string;
  input: Record<string, unknown>;
}

/** An encoded response body and the headers that describe it. */
export interface EncodedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What both protocol codecs provide to the request pipeline. */
export interface WireProtocol {
  name: 'json' | 'query';
  decode(request: {
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
    query: string;
  }): DecodedRequest;
  encodeResult(
    action: string,
    output: ActionOutput | undefined,
    requestId: string,
    listElements: Record<string, string>,
  ): EncodedResponse;
  encodeError(
    error: { code: string; status: number; jsonType: string; queryCode: string; fault: string; message: string },
    requestId: string,
  ): EncodedResponse;
}
