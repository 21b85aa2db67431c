// The seed guide's Node.js intake processor, written from its description, as the baseline:
// processConfigEvent / processSecurityHubEvent build a record per finding, JSON.stringify it and
// take a SHA-256 of the body. Measured the same way as attest-bench: events/s on one core, best of
// three runs after a warm-up. Prints {"<file>": events_per_second} as JSON.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

function processConfigEvent(event) {
  const d = event.detail;
  const n = d.newEvaluationResult || {};
  const record = {
    id: `${d.awsAccountId}#${d.configRuleName}#${d.resourceId}`,
    source: 'config',
    accountId: d.awsAccountId,
    region: d.awsRegion,
    resourceType: d.resourceType,
    resourceId: d.resourceId,
    ruleName: d.configRuleName,
    status: n.complianceType,
    timestamp: n.resultRecordedTime || event.time,
    eventId: event.id,
    raw: d,
  };
  const body = JSON.stringify(record);
  record.sha256 = crypto.createHash('sha256').update(body).digest('hex');
  return [{ record, body }];
}

function processSecurityHubEvent(event) {
  return event.detail.findings.map((f) => {
    const record = {
      id: f.Id,
      source: 'securityhub',
      accountId: f.AwsAccountId,
      region: f.Region,
      resourceType: f.Resources && f.Resources[0] && f.Resources[0].Type,
      resourceId: f.Resources && f.Resources[0] && f.Resources[0].Id,
      controlId: f.Compliance && f.Compliance.SecurityControlId,
      status: f.Compliance && f.Compliance.Status,
      severity: f.Severity && f.Severity.Label,
      workflow: f.Workflow && f.Workflow.Status,
      timestamp: f.UpdatedAt,
      eventId: event.id,
      raw: f,
    };
    const body = JSON.stringify(record);
    record.sha256 = crypto.createHash('sha256').update(body).digest('hex');
    return { record, body };
  });
}

function processEvent(text) {
  const event = JSON.parse(text);
  if (event.source === 'aws.config') return processConfigEvent(event);
  if (event.source === 'aws.securityhub') return processSecurityHubEvent(event);
  return null; // the seed's processor has no CloudTrail path
}

function rate(seconds, fn) {
  const warm = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - warm) < 2e8) fn();
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const start = process.hrtime.bigint();
    let n = 0;
    let elapsed = 0;
    while (elapsed < seconds) {
      for (let i = 0; i < 16; i++) fn();
      n += 16;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    best = Math.max(best, n / elapsed);
  }
  return best;
}

const seconds = Number(process.argv[2] || 1);
const dir = path.join(__dirname, '..', '..', 'events');
const files = ['securityhub-four-findings.json', 'securityhub-one-finding.json', 'config-noncompliant-with-old-result.json'];
const out = {};
let sink = 0;
for (const f of files) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  out[f] = rate(seconds, () => { sink += processEvent(text).length; });
}
if (sink < 0) console.error(sink);
console.log(JSON.stringify(out));
