import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldQueryParameters } from '../../src/api/sqs/query-decode.ts';
import { queryProtocol } from '../../src/api/sqs/query-protocol.ts';
import { xmlElement, xmlEscape } from '../../src/api/sqs/xml.ts';

describe('Query protocol decoding', () => {
  it('folds flattened maps, lists and batch entries into the JSON shape', () => {
    const params = new URLSearchParams([
      ['QueueUrl', 'https://h/123456789012/q'],
      ['Attribute.1.Name', 'VisibilityTimeout'],
      ['Attribute.1.Value', '40'],
      ['Attribute.2.Name', 'DelaySeconds'],
      ['Attribute.2.Value', '5'],
      ['Tag.1.Key', 'team'],
      ['Tag.1.Value', 'payments'],
      ['AttributeName.2', 'B'],
      ['AttributeName.1', 'A'],
      ['SendMessageBatchRequestEntry.2.Id', 'second'],
      ['SendMessageBatchRequestEntry.2.MessageBody', 'two'],
      ['SendMessageBatchRequestEntry.1.Id', 'first'],
      ['SendMessageBatchRequestEntry.1.MessageBody', 'one'],
      ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Name', 'k'],
      ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType', 'String'],
      ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue', 'v'],
    ]);
    assert.deepEqual(foldQueryParameters(params), {
      QueueUrl: 'https://h/123456789012/q',
      Attributes: { VisibilityTimeout: '40', DelaySeconds: '5' },
      Tags: { team: 'payments' },
      AttributeNames: ['A', 'B'],
      Entries: [
        { Id: 'first', MessageBody: 'one', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
        { Id: 'second', MessageBody: 'two' },
      ],
    });
  });

  it('refuses parameters that conflict or lists that are not numbered', () => {
    assert.throws(() => foldQueryParameters(new URLSearchParams('Attribute.1.Name=a&Attribute.1=b')), {
      code: 'MalformedRequest',
    });
    assert.throws(() => foldQueryParameters(new URLSearchParams('AttributeName.x=a')), { code: 'MalformedRequest' });
  });

  it('reads the action from the body or the query string and drops envelope parameters', () => {
    const decoded = queryProtocol.decode({
      headers: {},
      body: Buffer.from('Action=GetQueueUrl&Version=2012-11-05&QueueName=orders'),
      query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256',
    });
    assert.deepEqual(decoded, { action: 'GetQueueUrl', input: { QueueName: 'orders' } });
  });
});

describe('Query protocol encoding', () => {
  it('escapes XML and keeps carriage returns as character references', () => {
    assert.equal(xmlEscape(`a<b>&"c'\r\n`), 'a&lt;b&gt;&amp;&quot;c&apos;&#xD;\n');
  });

  it('writes flattened lists and Name/Value maps as SQS does', () => {
    const xml = xmlElement(
      'ReceiveMessageResult',
      {
        Messages: [
          {
            MessageId: 'id',
            Body: 'hi',
            Attributes: { SenderId: 'AKIA' },
            MessageAttributes: { k: { StringValue: 'v', DataType: 'String' } },
          },
        ],
      },
      { Messages: 'Message' },
    );
    assert.equal(
      xml,
      '<ReceiveMessageResult><Message><MessageId>id</MessageId><Body>hi</Body>' +
        '<Attribute><Name>SenderId</Name><Value>AKIA</Value></Attribute>' +
        '<MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue><DataType>String</DataType></Value></MessageAttribute>' +
        '</Message></ReceiveMessageResult>',
    );
    assert.equal(xmlElement('ReceiveMessageResult', {}, {}), '<ReceiveMessageResult/>');
  });

  it('wraps results and errors in the SQS envelopes', () => {
    const ok = queryProtocol.encodeResult('GetQueueUrl', { QueueUrl: 'u' }, 'req-1', {});
    assert.equal(
      ok.body,
      '<?xml version="1.0"?><GetQueueUrlResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><GetQueueUrlResult>' +
        '<QueueUrl>u</QueueUrl></GetQueueUrlResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetQueueUrlResponse>',
    );
    const empty = queryProtocol.encodeResult('DeleteQueue', undefined, 'req-2', {});
    assert.doesNotMatch(empty.body, /DeleteQueueResult/);
    const error = queryProtocol.encodeError(
      {
        code: 'QueueDoesNotExist',
        status: 400,
        jsonType: 'QueueDoesNotExist',
        queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
        fault: 'Sender',
        message: 'gone <now>',
      },
      'req-3',
    );
    assert.equal(error.status, 400);
    assert.match(
      error.body,
      /<Code>AWS.SimpleQueueService.NonExistentQueue<\/Code><Message>gone &lt;now&gt;<\/Message>/,
    );
  });
});
