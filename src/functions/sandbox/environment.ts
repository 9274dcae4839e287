import type { SessionCredentials } from '../role-sessions.ts';

export interface EnvironmentInput {
  functionName: string;
  version: number;
  memoryMb: number;
  region: string;
  handler: string;
  codeDir: string;
  /** pciq's endpoint, e.g. https://127.0.0.1:9324. */
  endpoint: string;
  /** The CA bundle that makes the endpoint's certificate trusted, when it is not publicly trusted. */
  caFile: string | undefined;
  credentials: SessionCredentials | undefined;
  /** The function's own variables (checked at deploy: none of them is reserved). */
  variables: Record<string, string>;
}

/**
 * The whole environment of a sandboxed process, built from nothing: pciq's own environment (its root key
 * variable, its credentials) is never inherited. The variables are those Lambda's Node.js runtime sets,
 * the endpoint and CA settings that point AWS SDKs at pciq, and the role session's temporary credentials.
 */
export function sandboxEnvironment(input: EnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    // The AWS SDK looks for ~/.aws/config; inside the code directory it finds nothing instead of being refused.
    HOME: input.codeDir,
    // After the defaults Lambda lets a function change (TZ, LANG, PATH: "unreserved"), before the names it
    // reserves, which a function's variables never hold (refused when deployed).
    ...input.variables,
    _HANDLER: input.handler,
    LAMBDA_TASK_ROOT: input.codeDir,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: input.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: String(input.version),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${input.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `pciq/${input.functionName}/${input.version}`,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_ENDPOINT_URL: input.endpoint,
    AWS_ENDPOINT_URL_SQS: input.endpoint,
  };
  if (input.caFile) {
    env.NODE_EXTRA_CA_CERTS = input.caFile;
    env.AWS_CA_BUNDLE = input.caFile;
  }
  if (input.credentials) {
    env.AWS_ACCESS_KEY_ID = input.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = input.credentials.secretAccessKey;
    env.AWS_SESSION_TOKEN = input.credentials.sessionToken;
  }
  return env;
}
