package io.meld.codec;

import io.meld.config.Setting;
import java.util.List;

/** Settings of the object codec; see {@code docs/configuration.md}. */
public final class CodecSettings {
    /** The classes objects on the wire may have, besides the JDK basics. */
    public static final Setting<List<String>> CLASSES = Setting.listSetting(
            "meld.codec.classes",
            "Classes whose objects may cross the wire (in messages, remote tasks and their results) besides"
                    + " the JDK basics: binary class names (com.example.Point, com.example.Outer$Inner), or"
                    + " com.example.* for every class of a package and its sub-packages. A serializable"
                    + " lambda may cross when the class that wrote it is allowed. Every node must allow the"
                    + " same classes; Meld.register(Class...) adds to them at run time.");

    private CodecSettings() {}

    /** @return every codec setting */
    public static List<Setting<?>> all() {
        return List.of(CLASSES);
    }
}
