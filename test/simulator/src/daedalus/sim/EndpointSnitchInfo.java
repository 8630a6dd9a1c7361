package daedalus.sim;

import java.net.UnknownHostException;

/** org.apache.cassandra.db:type=EndpointSnitchInfo, answering from the cluster membership. */
final class EndpointSnitchInfo implements EndpointSnitchInfoMBean {
    private final Node node;

    EndpointSnitchInfo(Node node) {
        this.node = node;
    }

    private ClusterMembership.Peer find(String host) throws UnknownHostException {
        String address = host.startsWith("/") ? host.substring(1) : host;
        if (address.contains(":")) address = address.substring(0, address.lastIndexOf(':'));
        for (ClusterMembership.Peer p : node.membership.ring()) if (p.address.equals(address)) return p;
        throw new UnknownHostException(host + ": Name or service not known");
    }

    @Override public String getRack(String host) throws UnknownHostException { return find(host).rack; }
    @Override public String getDatacenter(String host) throws UnknownHostException { return find(host).dc; }
    @Override public String getRack() { return node.options.rack; }
    @Override public String getDatacenter() { return node.options.dc; }
    @Override public String getSnitchName() { return "org.apache.cassandra.locator.GossipingPropertyFileSnitch"; }
}
