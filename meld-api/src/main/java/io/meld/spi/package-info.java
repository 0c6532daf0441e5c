/**
 * The service-provider interface between the API and a runtime. Programs never use it; a runtime
 * registers its {@link io.meld.spi.MeldProvider} in {@code META-INF/services}.
 */
package io.meld.spi;
