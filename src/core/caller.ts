/** Who is making a request, as established by authentication (SigV4) at the edge. */
export interface Caller {
  accountId: string;
  /** e.g. arn:aws:iam::123456789012:user/admin */
  principalArn: string;
  accessKeyId: string;
  /**
   * What SQS reports as a message's SenderId: the unique id of the identity (a user's `AIDA…` id,
   * `AROA…:session-name` for a role session, the account id for the root), as GetCallerIdentity's UserId.
   * Never the access key id: every consumer of the queue sees it.
   */
  senderId: string;
}
