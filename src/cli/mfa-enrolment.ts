import { isPciqError } from '../core/index.ts';
import { type IamService, type LoginOwner, renderQrCode } from '../iam/index.ts';
import { CliError } from './cli-error.ts';
import type { Prompter } from './prompt.ts';

/** The device name a principal's own virtual MFA device gets (AWS names the root's this way). */
export function deviceNameOf(owner: LoginOwner): string {
  return owner === 'root' ? 'root-account-mfa-device' : owner.userName;
}

/**
 * Enrols an MFA device at the terminal (PCI DSS 8.4.2): the QR code to scan (and the key to type, for
 * apps that cannot scan), two consecutive codes to prove the app holds it, and recovery codes shown once.
 */
export async function enrolMfaAtTerminal(
  iam: IamService,
  accountId: string,
  owner: LoginOwner,
  prompter: Prompter,
  write: (text: string) => void,
): Promise<{ serialNumber: string; recoveryCodes: string[] }> {
  const device = await createFreshDevice(iam, accountId, deviceNameOf(owner));
  write(
    `Scan this QR code with an authenticator app, or enter the key ${device.base32Seed}\n\n${renderQrCode(device.otpauthUri)}\n`,
  );
  for (let attempt = 1; ; attempt++) {
    const code1 = await prompter.ask('Code shown by the app: ');
    const code2 = await prompter.ask('Next code, once it has changed: ');
    if (code1 === undefined || code2 === undefined) {
      throw new CliError(
        `no codes given; the device ${device.serialNumber} is created but not enabled: run \`pciq iam enable-mfa\` to finish`,
      );
    }
    try {
      const { recoveryCodes } = await iam.enableMfaDevice(accountId, {
        owner,
        serialNumber: device.serialNumber,
        code1,
        code2,
        withRecoveryCodes: true,
      });
      write(
        `MFA enabled (${device.serialNumber}).\nRecovery codes, each good once if the device is lost; store them now, they are not shown again:\n` +
          `${recoveryCodes.map((code) => `  ${code}`).join('\n')}\n`,
      );
      return { serialNumber: device.serialNumber, recoveryCodes };
    } catch (error) {
      if (!isPciqError(error) || error.code !== 'InvalidAuthenticationCode' || attempt >= 3) throw error;
      process.stderr.write(`${error.message}\nTry again.\n`);
    }
  }
}

/** A new device; one of the same name left unassigned by an enrolment that did not finish is replaced. */
async function createFreshDevice(iam: IamService, accountId: string, name: string) {
  try {
    return await iam.createVirtualMfaDevice(accountId, { name });
  } catch (error) {
    if (!isPciqError(error) || error.code !== 'EntityAlreadyExists') throw error;
    const serialNumber = `arn:aws:iam::${accountId}:mfa/${name}`;
    try {
      await iam.deleteVirtualMfaDevice(accountId, serialNumber);
    } catch (deleteError) {
      if (isPciqError(deleteError) && deleteError.code === 'DeleteConflict') {
        throw new CliError(`${serialNumber} is already enabled; deactivate it first to enrol a new one`);
      }
      throw deleteError;
    }
    return iam.createVirtualMfaDevice(accountId, { name });
  }
}
