package io.meld;

import io.meld.spi.MeldProvider;
import java.util.Comparator;
import java.util.ServiceLoader;

/** Finds the Meld runtime on the class path, once. */
final class ProviderHolder {
    private ProviderHolder() {}

    static MeldProvider provider() {
        return Lazy.PROVIDER;
    }

    /** Initialised on first use, so a missing runtime is reported where the program first needs it. */
    private static final class Lazy {
        static final MeldProvider PROVIDER = ServiceLoader.load(MeldProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .max(Comparator.comparingInt(MeldProvider::priority))
                .orElseThrow(() -> new IllegalStateException("No Meld runtime on the class path: add the"
                        + " io.meld:meld-runtime artifact (the meld-api artifact holds only the interfaces)"));
    }
}
