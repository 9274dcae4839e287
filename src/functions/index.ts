export { type CodeFile, readCode } from './code-bundle.ts';
export type { FunctionsContext } from './context.ts';
export { type ChangeResult, type DeployInput, FunctionAdmin, type UpdateInput } from './function-admin.ts';
export { type MapInput, MappingAdmin, type MapResult } from './mapping-admin.ts';
export { FunctionObservations, type LogEntry, type MetricsSummary } from './observation-reads.ts';
export type {
  RoleSession,
  RoleSessions,
  SessionCredentials,
} from './role-sessions.ts';
export { checkSandboxReach, FunctionRunner, type FunctionRunnerOptions } from './runner.ts';
export { sealedFunctionDataSource } from './sealing.ts';
export { functionLimits } from './settings.ts';
export type { FunctionView, MappingView } from './views.ts';
