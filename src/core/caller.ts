/** Who is making a request, as established by authentication (SigV4) at the edge. */
export interface Caller {
  accountId: string;
  /** e.g. arn:aws:iam::123456789012:user/admin */
  principalArn: string;
  accessKeyId: string;
  /** What SQS reports as a message's SenderId. */
  senderId: string;
}
