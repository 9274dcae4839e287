/**
 * The twelve principal requirements of PCI DSS v4.0.1, and who answers each when cardholder data moves
 * through pciq: what pciq itself covers (and shows evidence for in the report), and what stays with the
 * operator (the hosts, the network, the people and the paperwork around it).
 */
export interface RequirementSection {
  id: string;
  title: string;
  pciq: string;
  operator: string;
}

export const requirementSections: readonly RequirementSection[] = [
  {
    id: '1',
    title: 'Install and maintain network security controls',
    pciq: 'Listens on one address and port; plain HTTP only on loopback.',
    operator: 'Firewalls and segmentation around the host; who can reach the endpoint.',
  },
  {
    id: '2',
    title: 'Apply secure configurations to all system components',
    pciq: 'Secure defaults (TLS 1.2+, encryption at rest, 12-month audit retention); settings it runs with are recorded and scanned.',
    operator: 'Hardening of the operating system and host; removing default accounts elsewhere.',
  },
  {
    id: '3',
    title: 'Protect stored account data',
    pciq: 'AES-256-GCM envelope encryption under its own KMS, key rotation and crypto-shredding, retention limits, root key kept apart.',
    operator: 'Where the root key lives (a separate volume or a cloud KMS), backups, data retention decisions.',
  },
  {
    id: '4',
    title: 'Protect cardholder data with strong cryptography during transmission',
    pciq: 'HTTPS with TLS 1.2+ and AEAD suites only; mutual TLS option.',
    operator: 'A certificate from a trusted CA, its renewal, and the clients’ TLS settings.',
  },
  {
    id: '5',
    title: 'Protect all systems and networks from malicious software',
    pciq: 'Not applicable to pciq itself.',
    operator: 'Anti-malware on the hosts that run pciq and its clients.',
  },
  {
    id: '6',
    title: 'Develop and maintain secure systems and software',
    pciq: 'Input validated at the edge, typed errors, dependencies kept few.',
    operator: 'Patching pciq, Node.js and the host; change control.',
  },
  {
    id: '7',
    title: 'Restrict access to system components and cardholder data by business need to know',
    pciq: 'Queue and key policies are scanned for wildcard principals and actions; data directory permissions.',
    operator: 'Deciding who needs which access, approving and reviewing it every six months.',
  },
  {
    id: '8',
    title: 'Identify users and authenticate access to system components',
    pciq: 'SigV4 access keys with age and last-use checks.',
    operator: 'Issuing keys to individuals and systems, removing leavers, MFA for people.',
  },
  {
    id: '9',
    title: 'Restrict physical access to cardholder data',
    pciq: 'Not applicable to pciq itself.',
    operator: 'Physical security of the data centre, disks and backup media.',
  },
  {
    id: '10',
    title: 'Log and monitor all access to system components and cardholder data',
    pciq: 'Tamper-evident audit trail with signed checkpoints, 12-month retention, automated review and alerts, clock source recorded.',
    operator:
      'Time synchronization of the hosts, shipping archive segments to write-once storage, responding to alerts.',
  },
  {
    id: '11',
    title: 'Test security of systems and networks regularly',
    pciq: 'Continuous compliance scans and change detection on its own configuration.',
    operator: 'Vulnerability scans, penetration tests, file integrity monitoring of the hosts.',
  },
  {
    id: '12',
    title: 'Support information security with organizational policies and programs',
    pciq: 'Asset inventory, this report, incident quarantine with forensic snapshots.',
    operator: 'Security policy, risk assessment, training, the incident response plan and its tests.',
  },
];
