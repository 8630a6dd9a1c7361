package daedalus.sim;

import java.net.UnknownHostException;

/** org.apache.cassandra.db:type=EndpointSnitchInfo */
public interface EndpointSnitchInfoMBean {
    String getRack(String host) throws UnknownHostException;
    String getDatacenter(String host) throws UnknownHostException;
    String getRack();
    String getDatacenter();
    String getSnitchName();
}
