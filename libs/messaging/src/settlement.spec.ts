import { FatalError, RetryableError } from './errors';
import { backoffDelay, decideSettlement, exceedsAttempts, MAX_REASON_LENGTH, printableReason, SettlementPolicy } from './settlement';

const policy: SettlementPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 500 };

describe('settlement', () => {
  it('acks a success', () => {
    expect(decideSettlement(1, undefined, policy)).toEqual({ action: 'ack' });
  });

  it('retries a retryable error with exponential backoff capped at maxDelay', () => {
    expect(decideSettlement(1, new RetryableError('busy'), policy)).toEqual({ action: 'retry', delayMs: 100, reason: 'busy' });
    expect(decideSettlement(2, new RetryableError('busy'), policy)).toMatchObject({ delayMs: 200 });
    expect(decideSettlement(3, new RetryableError('busy'), policy)).toMatchObject({ delayMs: 400 });
    expect(backoffDelay(10, policy)).toBe(500);
  });

  it('retries an unexpected error, labelled as such', () => {
    expect(decideSettlement(1, new TypeError('boom'), policy)).toMatchObject({
      action: 'retry',
      reason: 'unexpected error: boom',
    });
  });

  it('dead-letters a fatal error at once', () => {
    expect(decideSettlement(1, new FatalError('bad schema'), policy)).toEqual({ action: 'dead-letter', reason: 'bad schema' });
  });

  it('dead-letters when attempts are exhausted', () => {
    expect(decideSettlement(4, new RetryableError('busy'), policy)).toEqual({
      action: 'dead-letter',
      reason: 'gave up after 4 attempts: busy',
    });
  });

  it('flags deliveries beyond the bound', () => {
    expect(exceedsAttempts(4, policy)).toBe(false);
    expect(exceedsAttempts(5, policy)).toBe(true);
  });

  it('makes a reason printable: control characters escaped (a header cannot hold a line break), length bounded', () => {
    expect(printableReason('body is not JSON: Unexpected token \'\u0000\', "\u0000\r\nINFO forged"')).toBe(
      'body is not JSON: Unexpected token \'\\u0000\', "\\u0000\\u000d\\u000aINFO forged"',
    );
    expect(printableReason('ünïcode stays')).toBe('ünïcode stays');
    const long = printableReason('x'.repeat(5_000));
    expect(long).toHaveLength(MAX_REASON_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});
