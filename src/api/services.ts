import { auditApiService } from './audit/service.ts';
import { complianceApiService } from './compliance/service.ts';
import { iamApiService } from './iam/service.ts';
import { kmsService } from './kms/service.ts';
import type { ApiService } from './service.ts';
import { signInApiService } from './signin/service.ts';
import { sqsService } from './sqs/service.ts';
import { stsApiService } from './sts/service.ts';
import { vaultApiService } from './vault/service.ts';

/** Every API served on the endpoint. */
export const apiServices: readonly ApiService[] = [
  sqsService,
  kmsService,
  auditApiService,
  vaultApiService,
  iamApiService,
  stsApiService,
  signInApiService,
  complianceApiService,
];
