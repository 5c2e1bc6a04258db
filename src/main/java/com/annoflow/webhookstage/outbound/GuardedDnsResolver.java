package com.annoflow.webhookstage.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/** Resolves like the system does, then refuses what the {@link TargetGuard} blocks: the check sees what is connected to. */
public final class GuardedDnsResolver implements DnsResolver {

    private final TargetGuard guard;

    public GuardedDnsResolver(TargetGuard guard) {
        this.guard = guard;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] addresses = SystemDefaultDnsResolver.INSTANCE.resolve(host);
        for (InetAddress address : addresses) {
            String refusal = guard.refusal(host, address);
            if (refusal != null) {
                throw new BlockedTargetException(refusal);
            }
        }
        return addresses;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}
