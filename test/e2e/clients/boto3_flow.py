"""Drives pciq with boto3 through standard, FIFO, dead-letter, batch, visibility, delay, long-poll, tag and
error flows, and prints one JSON line of observations for the calling test to assert on.

Run by test/e2e/python-clients.test.ts with whichever python3 has the boto3 under test (Debian's 1.26 speaks
the Query protocol, boto3 >= 1.31 speaks AWS JSON 1.0). Configuration comes from the environment:
PCIQ_ENDPOINT, AWS_CA_BUNDLE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, PCIQ_PREFIX.
"""
import json
import os
import threading
import time

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

endpoint = os.environ["PCIQ_ENDPOINT"]
prefix = os.environ["PCIQ_PREFIX"]
sqs = boto3.client("sqs", endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}))
out = {"protocol": sqs.meta.service_model.protocol, "botocore": botocore.__version__}


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    except ParamValidationError:
        return "ParamValidationError"
    return None


# Standard queue: attributes (string, number, binary), checksums verified by botocore, delete.
url = sqs.create_queue(QueueName=prefix + "standard", tags={"team": "payments"})["QueueUrl"]
out["url"] = url
sent = sqs.send_message(
    QueueUrl=url,
    MessageBody="order\r\nline two \u2713",
    MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"},
        "amount": {"DataType": "Number", "StringValue": "12.5"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    },
)
out["sentMd5"] = sent["MD5OfMessageBody"]
received = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"], MaxNumberOfMessages=10)
message = received["Messages"][0]
out["body"] = message["Body"]
out["amount"] = message["MessageAttributes"]["amount"]["StringValue"]
out["blob"] = list(message["MessageAttributes"]["blob"]["BinaryValue"])
out["receiveCount"] = message["Attributes"]["ApproximateReceiveCount"]
sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
out["visibleAfterDelete"] = attributes["ApproximateNumberOfMessages"]
out["queueArn"] = attributes["QueueArn"]

# Tags.
sqs.tag_queue(QueueUrl=url, Tags={"env": "test"})
sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
out["tags"] = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})

# Batches, with a per-entry failure.
batch = sqs.send_message_batch(
    QueueUrl=url,
    Entries=[{"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two"}, {"Id": "c", "MessageBody": "bad\u0000"}],
)
out["batchSuccessful"] = sorted(entry["Id"] for entry in batch.get("Successful", []))
out["batchFailed"] = [[entry["Id"], entry["Code"]] for entry in batch.get("Failed", [])]
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
out["batchReceived"] = sorted(m["Body"] for m in got)

# Visibility: release one at once, the other stays hidden.
sqs.change_message_visibility_batch(
    QueueUrl=url, Entries=[{"Id": "r", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0}]
)
again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
out["afterRelease"] = [m["Body"] for m in again]
deleted = sqs.delete_message_batch(
    QueueUrl=url,
    Entries=[{"Id": "d1", "ReceiptHandle": again[0]["ReceiptHandle"]}, {"Id": "d2", "ReceiptHandle": got[1]["ReceiptHandle"]}],
)
out["batchDeleted"] = sorted(entry["Id"] for entry in deleted.get("Successful", []))

# Delay.
sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
delayed = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
out["delayed"] = delayed["Attributes"]["ApproximateNumberOfMessagesDelayed"]

# Long poll woken by a send from another thread.
threading.Timer(0.3, lambda: sqs.send_message(QueueUrl=url, MessageBody="wake")).start()
started = time.time()
polled = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
out["longPoll"] = [m["Body"] for m in polled]
out["longPollSeconds"] = time.time() - started

# FIFO.
fifo = sqs.create_queue(
    QueueName=prefix + "orders.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
)["QueueUrl"]
for body in ["a1", "b1", "a2"]:
    sqs.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId=body[0])
duplicate = sqs.send_message(QueueUrl=fifo, MessageBody="a1", MessageGroupId="a")
fifo_messages = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
out["fifoOrder"] = [m["Body"] for m in fifo_messages]
out["fifoGroups"] = [m["Attributes"]["MessageGroupId"] for m in fifo_messages]
out["fifoDuplicateSequence"] = duplicate.get("SequenceNumber")

# Dead-letter queue.
dlq = sqs.create_queue(QueueName=prefix + "dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
source = sqs.create_queue(
    QueueName=prefix + "source",
    Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})},
)["QueueUrl"]
sqs.send_message(QueueUrl=source, MessageBody="poison")
sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)
sqs.receive_message(QueueUrl=source)
dead = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]).get("Messages", [])
out["deadLetters"] = [m["Body"] for m in dead]
out["deadLetterSources"] = sqs.list_dead_letter_source_queues(QueueUrl=dlq).get("queueUrls", [])

# Listing.
listed = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
out["listPage"] = len(listed.get("QueueUrls", []))
out["listHasNext"] = "NextToken" in listed

# Errors.
out["errors"] = {
    "missingQueue": error_code(lambda: sqs.get_queue_url(QueueName=prefix + "missing")),
    "badName": error_code(lambda: sqs.create_queue(QueueName="bad name")),
    "badAttribute": error_code(lambda: sqs.create_queue(QueueName=prefix + "x", Attributes={"VisibilityTimeout": "99999"})),
    "emptyBatch": error_code(lambda: sqs.send_message_batch(QueueUrl=url, Entries=[])),
    "badHandle": error_code(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="junk")),
    "attributesOfMissingQueue": error_code(lambda: sqs.get_queue_attributes(QueueUrl=url + "-missing")),
    "badRedrivePolicy": error_code(
        lambda: sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 0})}
        )
    ),
}
try:
    sqs.get_queue_url(QueueName=prefix + "missing")
except sqs.exceptions.QueueDoesNotExist:
    out["modeledException"] = True
except ClientError:
    out["modeledException"] = False
wrong = boto3.client(
    "sqs",
    endpoint_url=endpoint,
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key="x" * 40,
    config=Config(retries={"max_attempts": 1}),
)
out["errors"]["wrongSecret"] = error_code(lambda: wrong.list_queues())

sqs.delete_queue(QueueUrl=url)
print(json.dumps(out))
