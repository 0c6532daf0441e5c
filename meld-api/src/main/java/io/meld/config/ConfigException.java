package io.meld.config;

import java.io.Serial;

/** A setting has a value that cannot be used; the message names the setting, the value and its source. */
public class ConfigException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message the setting, its value, where the value came from and what is wrong with it
     */
    public ConfigException(String message) {
        super(message);
    }
}
