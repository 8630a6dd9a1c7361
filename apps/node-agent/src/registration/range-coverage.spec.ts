import { FakeCassandraNode } from '../cassandra/testing/fake-cassandra-node';
import { readCoverage } from './range-coverage';

const SELF = '00000000-0000-4000-8000-000000000001';
const PEER2 = '00000000-0000-4000-8000-000000000002';
const PEER3 = '00000000-0000-4000-8000-000000000003';

describe('readCoverage', () => {
  function node(): FakeCassandraNode {
    const fake = new FakeCassandraNode({ hostId: SELF });
    fake.schemaView = { system: ['local'], system_auth: ['roles'], shop: ['orders'], solo: ['items'] };
    fake.ranges.solo = [
      { range: ['300', '100'], replicas: [SELF] },
      { range: ['100', '200'], replicas: [PEER2] },
      { range: ['200', '300'], replicas: [PEER3] },
    ];
    return fake;
  }

  it('finds every range covered when each keeps a replica among the nodes taking part (RF 2, one node missing)', async () => {
    expect(await readCoverage(node(), [SELF, PEER2], 'shop')).toEqual({ keyspaces: ['shop'], uncoveredCount: 0, uncovered: [] });
  });

  it('names the ranges only the missing nodes replicate, for the keyspaces of the entities (tables named too)', async () => {
    expect(await readCoverage(node(), [SELF, PEER2], 'solo.items,shop.orders')).toEqual({
      keyspaces: ['shop', 'solo'],
      uncoveredCount: 1,
      uncovered: [{ keyspace: 'solo', range: ['200', '300'], replicas: [PEER3] }],
    });
  });

  it('checks every non-system replicated keyspace when no entities are named', async () => {
    const coverage = await readCoverage(node(), [SELF], undefined);
    expect(coverage.keyspaces).toEqual(['shop', 'solo']);
    expect(coverage.uncoveredCount).toBe(3); // shop: the range of PEER2 (replicas PEER2, PEER3); solo: two ranges
  });
});
