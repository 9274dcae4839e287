import { readFileSync } from 'node:fs';
import { request } from 'node:https';

/**
 * A call of pciq's sign-in API (`PciqSignIn.SignIn`, unsigned: it is how people obtain credentials) over
 * HTTPS with the server's CA: the status, the request id and the JSON answer.
 */
export function signInRequest(
  endpoint: string,
  caFile: string,
  input: Record<string, unknown>,
): Promise<{ status: number; requestId: string; json: Record<string, unknown> }> {
  const url = new URL(endpoint);
  const body = JSON.stringify(input);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        method: 'POST',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        ca: readFileSync(caFile),
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'PciqSignIn.SignIn',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            requestId: String(response.headers['x-amzn-requestid']),
            json: JSON.parse(text || '{}'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
