import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AuditEvents, AuditService, AuditTrail } from '../../src/audit/index.ts';
import { type Caller, ManualClock } from '../../src/core/index.ts';
import { RootKey, SystemKeyring } from '../../src/crypto/index.ts';
import { administratorAccessArn, IamService } from '../../src/iam/index.ts';
import { decodeBase32, totpCode } from '../../src/iam/mfa/index.ts';
import { KeyService } from '../../src/keys/index.ts';
import { SqliteStore } from '../../src/storage/index.ts';
import { makeTempDir } from './temp-dir.ts';

export const account = '123456789012';

/**
 * IAM on a real SQLite file with a real key hierarchy and audit trail, a manual clock (TOTP steps, lockouts,
 * idle sessions and expiry move with it) and an administrator to act with.
 */
export class IamHarness {
  readonly clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  readonly dir = makeTempDir('pciq-iam-');
  readonly store = new SqliteStore({ path: join(this.dir.path, 'pciq.db') });
  readonly keys = new KeyService({
    store: this.store,
    root: new RootKey(RootKey.generateSecret()),
    clock: this.clock,
    region: 'us-east-1',
  });
  readonly trail = new AuditTrail({
    store: this.store,
    keyring: new SystemKeyring(randomBytes(32)),
    clock: this.clock,
    node: 'node-1',
  });
  readonly audit = new AuditService(this.trail);
  readonly iam = new IamService({
    store: this.store,
    sealer: this.keys,
    clock: this.clock,
    audit: new AuditEvents(this.trail),
    defaultAccountId: account,
  });

  async open(): Promise<this> {
    await this.keys.initialize();
    await this.trail.open();
    return this;
  }

  /** A user with an access key, as `caller`, and optionally inline policies. */
  async user(name: string, ...policies: object[]): Promise<Caller> {
    await this.iam.createUser(account, { userName: name });
    for (const [index, document] of policies.entries()) {
      await this.iam.putInlinePolicy(account, {
        kind: 'user',
        entityName: name,
        policyName: `p${index}`,
        policyDocument: JSON.stringify(document),
      });
    }
    const key = await this.iam.createAccessKey(account, name);
    const { arn, userId } = await this.iam.getUser(account, name);
    return { accountId: account, principalArn: arn, accessKeyId: key.accessKeyId, senderId: userId };
  }

  async admin(): Promise<Caller> {
    const admin = await this.user('admin');
    await this.iam.attachPolicy(account, { kind: 'user', entityName: 'admin', policyArn: administratorAccessArn });
    return admin;
  }

  /** Creates and enables a virtual MFA device for `userName`; returns a code maker for its seed. */
  async enableMfa(userName: string): Promise<{ serialNumber: string; code: (stepOffset?: number) => string }> {
    const device = await this.iam.createVirtualMfaDevice(account, { name: userName });
    const seed = decodeBase32(device.base32Seed);
    const code = (stepOffset = 0) => totpCode(seed, this.clock.now() + stepOffset * 30_000);
    await this.iam.enableMfaDevice(account, {
      owner: { userName },
      serialNumber: device.serialNumber,
      code1: code(-1),
      code2: code(0),
    });
    // The enrolment codes are used up: the next code is a step later.
    this.clock.advance(30_000);
    return { serialNumber: device.serialNumber, code };
  }

  /** The audit records of one event type, oldest first. */
  async records(eventType: string) {
    const page = await this.audit.search({ eventType, limit: 1000 });
    return page.records.map((found) => found.record);
  }

  /** The caller a session's credentials make, as authentication establishes it. */
  async sessionCaller(credentials: { accessKeyId: string }, principalArn: string): Promise<Caller> {
    const { directory } = this.iam;
    if (!(await directory.refreshFor(credentials.accessKeyId)))
      throw new Error(`no session ${credentials.accessKeyId}`);
    const { caller } = directory.lookup(credentials.accessKeyId)!;
    if (caller.principalArn !== principalArn) throw new Error(`the session acts as ${caller.principalArn}`);
    return caller;
  }

  async close(): Promise<void> {
    this.keys.stop();
    await this.store.close();
    this.dir.remove();
  }
}

export function policy(...statements: object[]): object {
  return { Version: '2012-10-17', Statement: statements };
}

export function allow(action: string | string[], resource: string | string[] = '*', condition?: object): object {
  return { Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}

export function deny(action: string | string[], resource: string | string[] = '*', condition?: object): object {
  return { Effect: 'Deny', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}
