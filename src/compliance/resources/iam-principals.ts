import { mfaRequiredTagKey, quarantineTagKey, roleArnFor, rootArn, userArn } from '../../iam/index.ts';
import type { AccessKeyRow, IamMfaDeviceRow, IamSessionRow, ReadTx } from '../../storage/index.ts';
import type { ResourceProvider, ScanContext } from '../resource.ts';

/** What every principal's description shares: credentials and use, never a secret, hash or seed. */
interface PrincipalFacts {
  hasLoginProfile: boolean;
  hasMfa: boolean;
  mfaDevices: string[];
  activeAccessKeys: string[];
  sessions: number;
  /** The latest sign-in, access key use or session activity; null when never used. */
  lastUsedAtMs: number | null;
}

interface IamSnapshot {
  keys: AccessKeyRow[];
  devices: IamMfaDeviceRow[];
  sessions: IamSessionRow[];
  signIns: Map<string, { lastSignInMs: number | null }>;
}

async function loadIam(tx: ReadTx, accountId: string): Promise<IamSnapshot> {
  const signIns = new Map<string, { lastSignInMs: number | null }>();
  for (const profile of await tx.iam.listLoginProfiles(accountId)) {
    const state = JSON.parse(profile.loginState) as { lastSignInMs?: number | null };
    signIns.set(profile.principalArn, { lastSignInMs: state.lastSignInMs ?? null });
  }
  return {
    keys: (await tx.listAccessKeys()).filter((key) => key.principalArn.split(':')[4] === accountId),
    devices: await tx.iam.listMfaDevices(accountId),
    sessions: await tx.iam.listSessions(accountId),
    signIns,
  };
}

function latest(...instants: Array<number | null | undefined>): number | null {
  const known = instants.filter((instant): instant is number => typeof instant === 'number');
  return known.length === 0 ? null : Math.max(...known);
}

function factsOf(iam: IamSnapshot, arn: string, nowMs: number): PrincipalFacts {
  const keys = iam.keys.filter((key) => key.principalArn === arn);
  const devices = iam.devices.filter((device) => device.ownerArn === arn && device.enabledAtMs !== null);
  const sessions = iam.sessions.filter(
    (session) => (session.principalArn === arn || session.issuedToArn === arn) && session.expiresAtMs > nowMs,
  );
  return {
    hasLoginProfile: iam.signIns.has(arn),
    hasMfa: devices.length > 0,
    mfaDevices: devices.map((device) => device.serialNumber),
    activeAccessKeys: keys.filter((key) => key.status === 'Active').map((key) => key.accessKeyId),
    sessions: sessions.length,
    lastUsedAtMs: latest(
      iam.signIns.get(arn)?.lastSignInMs,
      ...keys.map((key) => key.lastUsedAtMs),
      ...iam.sessions.filter((session) => session.issuedToArn === arn).map((session) => session.lastActivityAtMs),
    ),
  };
}

/**
 * The account root (PCI DSS 8.2.2: shared accounts used only when needed; 8.4.1: MFA for administrative
 * access; 8.6.1): its MFA, its access keys and when it was last used.
 */
export const iamRootProvider: ResourceProvider = {
  type: 'iam-root',
  description: 'The account root: MFA, access keys, last use',
  async list(context) {
    const iam = await context.store.read((tx) => loadIam(tx, context.accountId));
    const arn = rootArn(context.accountId);
    const facts = factsOf(iam, arn, context.clock.now());
    return [
      {
        id: arn,
        type: 'iam-root',
        name: 'root',
        data: { arn, ...facts, hasAccessKeys: facts.activeAccessKeys.length > 0 },
      },
    ];
  },
};

/**
 * IAM users (PCI DSS 8.2.6 inactive accounts, 8.4.2 MFA for people): a user with a login profile is a
 * person; one with only access keys is an application account, judged by the access key rules (8.6).
 */
export const iamUserProvider: ResourceProvider = {
  type: 'iam-user',
  description: 'IAM users: login profile, MFA, access keys, sessions, last use, containment',
  async list(context) {
    const nowMs = context.clock.now();
    const { users, iam, groups } = await context.store.read(async (tx) => ({
      users: await tx.iam.listUsers(context.accountId),
      iam: await loadIam(tx, context.accountId),
      groups: await tx.iam.listMemberships(context.accountId),
    }));
    return users.map((user) => {
      const arn = userArn(context.accountId, user.userName, user.path);
      const facts = factsOf(iam, arn, nowMs);
      return {
        id: arn,
        type: 'iam-user',
        name: user.userName,
        data: {
          arn,
          userName: user.userName,
          createdAtMs: user.createdAtMs,
          groups: groups.filter((row) => row.userName === user.userName).map((row) => row.groupName),
          ...facts,
          isPerson: facts.hasLoginProfile,
          // A user never used counts as inactive from its creation (8.2.6).
          lastActivityAtMs: facts.lastUsedAtMs ?? user.createdAtMs,
          quarantine: user.tags[quarantineTagKey] ?? null,
          mfaRequiredSince: user.tags[mfaRequiredTagKey] ?? null,
        },
      };
    });
  },
};

/** IAM roles: who may assume them is judged on their trust policy (an iam-policy); here containment and use. */
export const iamRoleProvider: ResourceProvider = {
  type: 'iam-role',
  description: 'IAM roles: sessions, last use, containment',
  async list(context: ScanContext) {
    const nowMs = context.clock.now();
    const { roles, sessions } = await context.store.read(async (tx) => ({
      roles: await tx.iam.listRoles(context.accountId),
      sessions: await tx.iam.listSessions(context.accountId),
    }));
    return roles.map((role) => {
      const arn = roleArnFor(context.accountId, role.roleName, role.path);
      return {
        id: arn,
        type: 'iam-role',
        name: role.roleName,
        data: {
          arn,
          roleName: role.roleName,
          createdAtMs: role.createdAtMs,
          lastUsedAtMs: role.lastUsedAtMs,
          sessions: sessions.filter((session) => session.roleArn === arn && session.expiresAtMs > nowMs).length,
          quarantine: role.tags[quarantineTagKey] ?? null,
        },
      };
    });
  },
};
