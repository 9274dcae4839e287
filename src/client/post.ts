import { type ClientRequest, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostAnswer {
  status: number;
  text: string;
  requestId: string | undefined;
}

/** One POST of `body` with `options` (headers signed beforehand), collecting the answer as text. */
export function post(isHttps: boolean, options: RequestOptions, body: string): Promise<PostAnswer> {
  const send: (options: RequestOptions, onResponse: (response: IncomingMessage) => void) => ClientRequest = isHttps
    ? httpsRequest
    : httpRequest;
  return new Promise((resolve, reject) => {
    // URL.hostname keeps an IPv6 literal's brackets ('[::1]'), which the resolver takes for a name: ENOTFOUND.
    const hostname = options.hostname?.replace(/^\[(.*)\]$/, '$1');
    const outgoing = send({ ...options, ...(hostname ? { hostname } : {}), method: 'POST' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const requestId = response.headers['x-amzn-requestid'];
        resolve({
          status: response.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          requestId: typeof requestId === 'string' ? requestId : undefined,
        });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
