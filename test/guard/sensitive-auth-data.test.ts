import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { screenMessage } from '../../src/guard/message-screening.ts';
import type { MessageAttributes, QueueDataPolicy } from '../../src/queues/index.ts';

const policies: QueueDataPolicy[] = (['tokenize', 'reject', 'mask'] as const).map((action) => ({
  action,
  tokenFormat: 'opaque',
  tokenScope: undefined,
  allowedFields: ['cvv', 'order.cvc'],
}));

function refusal(body: string, attributes: MessageAttributes = {}): string {
  for (const policy of policies) {
    assert.throws(
      () => screenMessage({ body, attributes, systemAttributes: {} }, policy),
      (error: unknown) => isPciqError(error) && error.code === 'InvalidMessageContents',
      `refused under ${policy.action}: ${body}`,
    );
  }
  try {
    screenMessage({ body, attributes, systemAttributes: {} }, policies[0]!);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('not refused');
}

/** `body` passes the guard (under the tokenize policy): what looks like SAD here is not. */
function assertAccepted(body: string): void {
  assert.doesNotThrow(() => screenMessage({ body, attributes: {}, systemAttributes: {} }, policies[0]!), body);
}

describe('sensitive authentication data is refused under every policy (PCI DSS 3.3.1)', () => {
  it('refuses card verification codes in fields named like them, naming the field and never the value', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"order":7,"card":{"number":"4111111111111111","cvv":"123"}}', /card verification code.*field card\.cvv/],
      ['{"payment":{"CVC2":987}}', /field payment\.CVC2/],
      ['{"card":{"security_code":"4321"}}', /field card\.security_code/],
      ['{"card":{"security":{"code":"4321"}}}', /field card\.security\.code/],
      ['{"amex":{"cid":"1234"}}', /field amex\.cid/],
      ['[{"items":[1,2]},{"cardCode":"555"}]', /field cardCode/],
    ];
    for (const [body, where] of cases) {
      const message = refusal(body);
      assert.match(message, where);
      for (const value of ['123', '987', '4321', '1234', '555']) assert.ok(!message.includes(value), message);
    }
  });

  it('refuses a code in the value member of an object named like SAD, and in an XML CDATA section', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"card":{"cvv":{"value":"123","encrypted":false}}}', /card verification code.*field card\.cvv\.value/],
      ['{"pinBlock":{"data":"0412AC89ABCDEF67"}}', /PIN or PIN block.*field pinBlock\.data/],
      ['<card><cvv><![CDATA[123]]></cvv></card>', /card verification code in the message body\./],
      ['<card><pinBlock><![CDATA[ 0412AC89ABCDEF67 ]]></pinBlock></card>', /PIN or PIN block/],
    ];
    for (const [body, where] of cases) {
      const message = refusal(body);
      assert.match(message, where);
      assert.doesNotMatch(message, /123|0412/);
    }
    assertAccepted('{"cvv":{"value":"M","result":"match"}}');
    assertAccepted('{"order":{"value":"123"}}');
  });

  it('refuses every SAD field name however it is written: camelCase, several separators, in short messages', () => {
    // Short bodies with nothing else worth a look: the guard's quick pre-check must not wave these through.
    const cases: Array<[string, RegExp]> = [
      ['{"cardSecurityCode":"123"}', /card verification code.*field cardSecurityCode/],
      ['{"encryptedPinBlock":"0412AB34CD56EF78"}', /PIN or PIN block.*field encryptedPinBlock/],
      ['{"epb":"0412AB34CD56EF78"}', /PIN or PIN block.*field epb/],
      ['{"card__code":"123"}', /card verification code.*field card__code/],
      ['{"C.V.V":"123"}', /card verification code.*field C\.V\.V/],
      ['{"card":{"Verification Code":"123"}}', /card verification code.*field card\.Verification Code/],
      ['card  code: 123', /card verification code in the message body\./],
      ['amount=5&card_security_code=123&currency=EUR', /card verification code in the message body\./],
      ['payment.cardSecurityCode: "123"', /card verification code in the message body\./],
      ['cvv_code=123', /card verification code in the message body\./],
      ['encryptedPinBlock=0412AB34CD56EF78', /PIN or PIN block in the message body\./],
      ['{"amount":1,"card_cvv":"123"}', /card verification code.*field card_cvv/],
      ['{"cardCvv":"123"}', /card verification code.*field cardCvv/],
      ['{"cvv_number":"123"}', /card verification code.*field cvv_number/],
      ['{"CVV2Value":"123"}', /card verification code.*field CVV2Value/],
      ['{"encryptedPINBlock":"0412AB34CD56EF78"}', /PIN or PIN block.*field encryptedPINBlock/],
      ['<payment><cvv>123</cvv></payment>', /card verification code in the message body\./],
      ['<ns:CardSecurityCode>123</ns:CardSecurityCode>', /card verification code in the message body\./],
      ['<pinBlock format="ISO-0">0412AB34CD56EF78</pinBlock>', /PIN or PIN block in the message body\./],
      ['{"additionalData":[{"name":"cvv","value":"123"}]}', /card verification code.*field additionalData\./],
      ['{"data":[{"k":"Card Security Code","v":123}]}', /card verification code.*field data\./],
      ['[{"type":"pinBlock","data":"0412AB34CD56EF78"}]', /PIN or PIN block in the message body\./],
    ];
    for (const [body, where] of cases) {
      const message = refusal(body);
      assert.match(message, where);
      for (const value of ['123', '0412AB34CD56EF78']) assert.ok(!message.includes(value), message);
    }
  });

  it('refuses SAD in name/value arrays and in the pairs of form builders and parameter lists', () => {
    for (const [body, where] of [
      ['[["cvv","123"]]', /card verification code in the message body\./],
      ['{"params":[["amount","5"],["cvc",1234]]}', /card verification code.*field params/],
      ['{"fieldName":"cvv","fieldValue":"123"}', /card verification code in the message body\./],
      ['{"form":{"fields":[{"field_name":"Card CVC","field_value":123}]}}', /field form\.fields/],
      ['{"parameters":[{"parameterName":"pinBlock","parameterValue":"0412AB34CD56EF78"}]}', /PIN or PIN block/],
      ['{"card":{"cvv":{"fieldValue":"123"}}}', /field card\.cvv\.fieldValue/],
      ['<field fieldName="cvv" fieldValue="123"/>', /card verification code/],
    ] as const) {
      const message = refusal(body);
      assert.match(message, where, body);
      assert.doesNotMatch(message, /123|0412/);
    }
    for (const body of [
      '[["cvv","required"],["order","123"]]',
      '{"tags":["cvv","123","gift"]}',
      '{"fieldName":"cvvResult","fieldValue":"M"}',
      '{"fieldName":"orderId","fieldValue":"123"}',
      '{"attributeName":"security code length","attributeValue":"3"}',
    ]) {
      assertAccepted(body);
    }
  });

  it('refuses SAD in a column of a table written as text: CSV, semicolons, tabs, Markdown', () => {
    for (const [body, where] of [
      ['name,exp,cvv\nAna,12/29,123\n', /card verification code in the message body\./],
      ['name;exp;"CVV"\r\nAna;12/29;"1234"', /card verification code in the message body\./],
      ['id\tcard_cvv\n1\t\n2\t123', /card verification code in the message body\./],
      ['| name | cvc |\n|---|---|\n| Ana | 123 |', /card verification code in the message body\./],
      ['{"export":"order,pin_block\\n7,0412AB34CD56EF78"}', /PIN or PIN block.*field export/],
      ['Export of Monday\n\nname,cvv\nAna,123', /card verification code in the message body\./],
    ] as const) {
      const message = refusal(body);
      assert.match(message, where, body);
      assert.doesNotMatch(message, /123|0412/);
    }
    for (const body of [
      'name,cvv_result,amount\nAna,M,123\nBo,N,555',
      'card_brand,amount\nvisa,123\nmastercard,4567',
      'name,cvv\nAna,\n\nRefunds,123',
      'name,amount\nAna,123',
    ]) {
      assertAccepted(body);
    }
  });

  it('refuses codes and PIN blocks written with spaces (codes with dashes too) in a SAD field, and passes words there', () => {
    for (const [body, where] of [
      ['{"cvv":"12 3"}', /card verification code.*field cvv/],
      ['{"card":{"cvv":"1-2-3"}}', /card verification code.*field card\.cvv/],
      ['[{"name":"cvc","value":"12-34"}]', /card verification code in the message body/],
      ['{"card":{"cvc":"1 2 3"}}', /card verification code.*field card\.cvc/],
      ['{"securityCode":" 12 34 "}', /card verification code.*field securityCode/],
      ['{"pinBlock":"0412 AB34 CD56 EF78"}', /PIN or PIN block.*field pinBlock/],
      ['[{"name":"cvv","value":"1 2 3"}]', /card verification code in the message body/],
    ] as const) {
      const message = refusal(body);
      assert.match(message, where);
      assert.doesNotMatch(message, /1[ -]?2[ -]?3|0412/);
    }
    assert.match(refusal('{}', { cvc: { dataType: 'String', stringValue: '9 8 7' } }), /message attribute 'cvc'/);
    // Gateways answer in fields named like SAD: result codes and words are no codes.
    for (const body of [
      '{"cvv":"M"}',
      '{"cvc_check":"pass"}',
      '{"cvcResult":"1 Matches"}',
      '{"cvvProvided":true}',
      '{"cvv":"12 345"}',
      '{"pinStatus":"not set"}',
      '{"pinChangedAt":"2024-05-01"}',
      '{"cvvFee":"1.23"}',
    ]) {
      assertAccepted(body);
    }
  });

  it('refuses a code or PIN told in a sentence: a noun and a verb between the name and the digits', () => {
    for (const [body, kind] of [
      ['cvv is 123', /card verification code in the message body\./],
      ['customer said the cvc was 123', /card verification code/],
      ['{"note":"my CVV number is 123"}', /card verification code.*field note/],
      ['CVC-Code: 123', /card verification code/],
      ['CVV2 number 123', /card verification code/],
      ['Security code is: 1234', /card verification code/],
      ['el código de seguridad es 123', /card verification code/],
      ['die Kartenprüfnummer ist 123', /card verification code/],
      ['セキュリティコードは123です', /card verification code/],
      ['安全码是123', /card verification code/],
      ['your PIN is 1234', /PIN or PIN block/],
    ] as const) {
      const message = refusal(body);
      assert.match(message, kind, body);
      assert.doesNotMatch(message, /123/);
    }
    for (const body of [
      'cvv is required',
      'CVV is 3 digits',
      'the cvc was checked 1200 times',
      'cvc was 100% matched',
      'CVV number is 123456',
      'security code was sent to 555-1234',
      'pin was added to the map at 1200',
      'pin is dead',
    ]) {
      assertAccepted(body);
    }
  });

  it("refuses verification codes named in the languages of the card networks' main markets", () => {
    for (const [body, where] of [
      ['{"pagamento":{"codigoSeguranca":"123"}}', /card verification code.*field pagamento\.codigoSeguranca/],
      ['{"codigo_seguranca":"123"}', /field codigo_seguranca/],
      ['{"cartao":{"código de segurança":"1234"}}', /field cartao\.código de segurança/],
      ['{"tarjeta":{"codigo_de_seguridad":"123"}}', /field tarjeta\.codigo_de_seguridad/],
      ['{"Kartenprüfnummer":"123"}', /field Kartenprüfnummer/],
      ['{"kartenpruefnummer":"123"}', /field kartenpruefnummer/],
      ['{"Prüfziffer":"123"}', /field Prüfziffer/],
      ['{"carte":{"cryptogramme":"123"}}', /field carte\.cryptogramme/],
      ['{"cryptogrammeVisuel":"123"}', /field cryptogrammeVisuel/],
      ['{"carta":{"codice_sicurezza":"123"}}', /field carta\.codice_sicurezza/],
      ['{"beveiligingscode":"123"}', /field beveiligingscode/],
      ['{"カード":{"セキュリティコード":"123"}}', /field カード\.セキュリティコード/],
      ['{"安全码":"123"}', /field 安全码/],
      ['{"mir":{"cvp2":"123"}}', /field mir\.cvp2/],
      ['código de seguridad: 123', /card verification code in the message body\./],
      ['Código de Segurança 1234', /in the message body\./],
      ['{"obs":"cód. segurança 123"}', /field obs/],
      ['cryptogramme visuel : 123', /in the message body\./],
      ['code de sécurité : 123', /in the message body\./],
      ['Kartenprüfnummer: 123', /in the message body\./],
      ['codice di sicurezza: 123', /in the message body\./],
      ['beveiligingscode: 123', /in the message body\./],
      ['セキュリティコード：123', /in the message body\./],
      ['安全碼 123', /in the message body\./],
      // Decomposed accents (a letter and a combining mark), as some systems write text.
      ['co\u0301digo de segurança 123', /in the message body\./],
    ] as const) {
      const message = refusal(body);
      assert.match(message, where, body);
      assert.doesNotMatch(message, /123/);
    }
    // A check digit (Prüfziffer) is one or two digits; a test number (Prüfnummer), a postcode, a social
    // security number and a security level are no codes.
    for (const body of [
      '{"iban":{"Prüfziffer":"27"}}',
      '{"Prüfnummer":"1234"}',
      '{"prüfziffer_ean":"1234"}',
      'Prüfziffer: 123',
      '{"codigo_postal":"2801","seguridad":"alta"}',
      'número de seguridad social 1234',
      '{"Sicherheitsstufe":"123","niveau_securite":"3"}',
      '{"cryptogram":"ABCDEF0123456789"}',
    ]) {
      assertAccepted(body);
    }
  });

  it("refuses SAD written in full-width or other scripts' digits", () => {
    assert.match(refusal('{"card":{"cvv":"１２３"}}'), /card verification code.*field card\.cvv/);
    assert.match(refusal('ＣＶＶ：１２３'), /card verification code in the message body\./);
    assert.match(refusal('カードのCVV：123'), /card verification code in the message body\./);
    assert.match(refusal('{"note":"رمز CVV: ١٢٣"}'), /card verification code.*field note/);
    assert.match(
      refusal('；４１１１１１１１１１１１１１１１＝２９１２１０１０００００？'),
      /magnetic-stripe track data/,
    );
    assert.match(refusal('{}', { pin: { dataType: 'String', stringValue: '１２３４' } }), /message attribute 'pin'/);
  });

  it('refuses SAD in fields whose names are typed in full-width forms', () => {
    assert.match(refusal('{"card":{"ｃｖｖ":"123"}}'), /card verification code.*field card\.ｃｖｖ/);
    assert.match(refusal('{"ｓｅｃｕｒｉｔｙ":{"ｃｏｄｅ":"１２３"}}'), /card verification code/);
    assert.match(refusal('{}', { ＰＩＮ: { dataType: 'String', stringValue: '1234' } }), /message attribute 'ＰＩＮ'/);
    assertAccepted('{"ｃｖｖ":"","ｎｏｔｅ":"１２３"}');
  });

  it('refuses SAD written with \\u escapes in text that is no JSON and in JSON encoded twice', () => {
    for (const body of [
      'MARK {"cvv":"\\u0031\\u0032\\u0033"}',
      'note \\u0063\\u0076\\u0076: 123',
      JSON.stringify({ Message: '{"note":"\\uff23\\uff36\\uff36\\uff1a\\uff11\\uff12\\uff13"}' }),
      JSON.stringify({ Message: '{"card":{"\\u0063vc":"123"}}' }),
    ]) {
      const message = refusal(body);
      assert.match(message, /card verification code/, body);
      assert.doesNotMatch(message, /123|u003/);
    }
    assertAccepted('MARK {"cvv":"\\u002a\\u002a\\u002a"}');
  });

  it('refuses SAD in form- and URL-encoded text, bracketed form names included', () => {
    for (const body of [
      'cvv%3D123',
      'card_number=4111111111111111&cvv%3D123',
      'a=1&card%5Bcvc%5D=123',
      'card%5Bcvc%5D%3D123',
      'card[number]=4242424242424242&card[cvc]=123',
      'payment_method_data[card][cvc]=123',
      'note=CVV%3A+123',
      'note=CVV+123&amount=5',
      'q=a%3Db&page=2&note=cvv%3D123&x=1',
      '{"callback":"https://shop.test/pay?amount=5&card%5Bcvc%5D=123"}',
    ]) {
      const message = refusal(body);
      assert.match(message, /card verification code/, body);
      assert.doesNotMatch(message, /123/);
    }
    assert.match(refusal('swipe=%3B4111111111111111%3D29121010000000000%3F'), /magnetic-stripe track data/);
    assert.match(refusal('card%5Bpin_block%5D=0412AB34CD56EF78'), /PIN or PIN block/);
    for (const body of [
      'q=pin%20code%20reset&page=2',
      'cvv_policy%3Drequired&order_id%3D1234',
      'x=1&cvv%3D12345&y=%3D',
      'redirect=%2Forders%3Fid%3D123%26tab%3Dcard',
      'https://shop.test/cards/pin%20reset/1234',
      'card[brand]=visa&card[exp_month]=12&items[0][qty]=123',
    ]) {
      assertAccepted(body);
    }
  });

  it('refuses SAD in XML and HTML attributes: named like SAD, or the value of an element or field named so', () => {
    for (const [body, kind] of [
      ['<cvv value="123"/>', /card verification code in the message body\./],
      ['<payment><ns:CVV2 ns:Value="987"/></payment>', /card verification code/],
      ['<card number="tok_abc" cvv="12 3"/>', /card verification code/],
      ['<field name="cvv" value="123"/>', /card verification code/],
      ['<form><input type="text" name="card_cvc" value="1234"></form>', /card verification code/],
      ["<input name=cvv value='123'>", /card verification code/],
      ['<field key="pinBlock" value="0412 AB34 CD56 EF78"/>', /PIN or PIN block/],
      ['<track2 value=";4111111111111111=29121010000000000?"/>', /magnetic-stripe track data/],
      ['{"xml":"<cvv value=\\"123\\"/>"}', /card verification code.*field xml/],
      // A `>` inside a quoted value belongs to the value, not to the end of the tag.
      ['<input title="a > b" name="cvv" value="123">', /card verification code/],
      ['<field note=\'x>y\' key="cvv" value="123"/>', /card verification code/],
      // A quote that never closes hides no tag after it.
      ['<a title="unclosed <input name="cvv" value="123">', /card verification code/],
    ] as const) {
      const message = refusal(body);
      assert.match(message, kind, body);
      assert.doesNotMatch(message, /123|987|0412/);
    }
    for (const body of [
      '<input name="cvv" value="">',
      '<input name="cvv" maxlength="4" required>',
      '<rule code="CVV" value="required"/>',
      '<tax type="card" value="123"/>',
      '<check name="cvvResult" value="M"/>',
      '<card cvvProvided="true" exp="12/29"/>',
      '<<<cvv value="123"',
    ]) {
      assertAccepted(body);
    }
  });

  it('accepts empty or masked verification fields, and fields that only look alike', () => {
    for (const body of [
      '{"cvv":""}',
      '{"cvv":"***"}',
      '{"cvv":null}',
      '{"cvvPolicy":"required"}',
      '{"pin":"map"}',
      'cvv_policy=required&order_id=1234&shipping=2',
      'basic average of the magnetic track: 12',
      '{"trackingNumber":"1234","shippingCode":"555","order_cid":"1234","giftCardCode":"1234"}',
      '<order><id>1234</id><pinned>1</pinned></order>',
      '{"fields":[{"name":"cvv","value":""},{"name":"orderId","value":"123"},{"name":"cvvResult","value":"M"}]}',
    ]) {
      assertAccepted(body);
    }
  });

  it('refuses track 1 and track 2 data wherever it is, text and base64 included', () => {
    assert.match(refusal('%B4111111111111111^DOE/JOHN^2912101000000000000000?'), /magnetic-stripe track data/);
    assert.match(
      refusal('{"swipe":";4111111111111111=29121010000000000?"}'),
      /track data in the message body, field swipe/,
    );
    assert.match(refusal('{"emv57":"4111111111111111D29121010000000000F"}'), /track data/);
    const hidden = Buffer.from(';4111111111111111=29121010000000000?').toString('base64');
    assert.match(refusal(JSON.stringify({ blob: hidden })), /field blob \(base64\)/);
    assert.match(refusal('{"track2":"anything at all"}'), /field track2/);
  });

  it('refuses PINs and PIN blocks', () => {
    assert.match(refusal('{"pinBlock":"041234FFFFFFFFFF"}'), /PIN or PIN block.*field pinBlock/);
    assert.match(refusal('PIN block: 041234FFFFFFFFFF'), /PIN or PIN block in the message body\./);
    assert.match(refusal('{"pin":"1234"}'), /field pin/);
  });

  it("passes India's postal PIN codes in addresses, and refuses a PIN in a field so named otherwise", () => {
    for (const body of [
      '{"address":{"line1":"12 MG Road","city":"Bengaluru","pincode":"560001"}}',
      '{"name":"Ada","city":"Pune","state":"MH","pin_code":411001}',
      '{"shipping_address":{"pinCode":"110003"}}',
      'Deliver to 12 MG Road, Bengaluru, pincode: 560001',
      'name,city,pincode\nAda,Pune,411001\nLin,Chennai,600001',
    ])
      assertAccepted(body);
    assert.match(refusal('{"pincode":"1234"}'), /PIN or PIN block.*field pincode/);
    assert.match(refusal('{"pincode":"041234FFFFFFFFFF"}'), /PIN or PIN block/);
    assert.match(refusal('{"pincode":"012345"}'), /PIN or PIN block/);
    assert.match(refusal('{"card":{"pincode":"560001"}}'), /PIN or PIN block.*field card\.pincode/);
    assert.match(refusal('{"payment":{"pin_code":"560001"}}'), /PIN or PIN block/);
  });

  it('refuses verification codes written in text and in attributes, even allow-listed ones', () => {
    assert.match(refusal('Card 4111 1111 1111 1111, CVV: 123'), /card verification code in the message body\./);
    assert.match(refusal('{}', { cvv: { dataType: 'String', stringValue: '123' } }), /message attribute 'cvv'/);
    assert.match(
      refusal('{}', { note: { dataType: 'String', stringValue: 'cvc2=321' } }),
      /card verification code in message attribute 'note'/,
    );
    assert.match(refusal('{"order":{"cvc":"321"}}'), /field order\.cvc/, 'PciqAllowedFields does not let SAD through');
    // Binary values as short as SAD are read as text: a binary attribute needs no 13 bytes to hold it.
    assert.match(refusal('{}', { cvv: { dataType: 'Binary', binaryValue: Buffer.from('123') } }), /attribute 'cvv'/);
    assert.match(
      refusal('{}', { extra: { dataType: 'Binary.raw', binaryValue: Buffer.from('cvv=123') } }),
      /card verification code in message attribute 'extra'/,
    );
  });
});
