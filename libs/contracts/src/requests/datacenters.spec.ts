import { inRequestedDcs, requestedDcs } from './datacenters';

describe('the data centers a request names', () => {
  it('splits a comma-separated dc, trimming and dropping empty and repeated names', () => {
    expect(requestedDcs('dc1')).toEqual(['dc1']);
    expect(requestedDcs('dc1, dc2,,dc1')).toEqual(['dc1', 'dc2']);
    expect(requestedDcs(undefined)).toBeUndefined();
    expect(requestedDcs(' , ')).toBeUndefined();
  });

  it('matches a node in any named data center, or every node when none is named', () => {
    expect(inRequestedDcs('dc1,dc2', 'dc2')).toBe(true);
    expect(inRequestedDcs('dc1,dc2', 'dc3')).toBe(false);
    expect(inRequestedDcs(undefined, 'dc3')).toBe(true);
  });
});
