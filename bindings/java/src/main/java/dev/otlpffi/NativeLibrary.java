package dev.otlpffi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads the JNI library once. Order: the system property {@code otlpffi.library} (a path to
 * libotlp_ffi_jni.so) wins; then {@code System.loadLibrary("otlp_ffi_jni")} when the library is
 * on {@code java.library.path}; then the copy inside the jar
 * ({@code /dev/otlpffi/native/<os>-<arch>/libotlp_ffi_jni.so}), extracted to a private temp file.
 */
public final class NativeLibrary {
    /** System property naming the JNI library to load instead of the bundled one. */
    public static final String PATH_PROPERTY = "otlpffi.library";
    static final String NAME = "otlp_ffi_jni";

    private static volatile String loadedFrom;

    private NativeLibrary() {}

    /** Loads the library if it is not loaded yet; returns where it came from. */
    public static synchronized String load() {
        if (loadedFrom != null) {
            return loadedFrom;
        }
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            System.load(Path.of(explicit).toAbsolutePath().toString());
            loadedFrom = explicit;
            return loadedFrom;
        }
        if (onLibraryPath()) {
            System.loadLibrary(NAME);
            loadedFrom = "java.library.path";
            return loadedFrom;
        }
        String platform = platform();
        String resource = "/dev/otlpffi/native/" + platform + "/lib" + NAME + ".so";
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("otlp-ffi: no native library for platform " + platform
                        + " in the jar (" + resource + "); supported: linux-x86_64. Set -D"
                        + PATH_PROPERTY + "=/path/to/lib" + NAME + ".so to use your own build");
            }
            Path tmp = Files.createTempFile("libotlp_ffi_jni", ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            System.load(tmp.toAbsolutePath().toString());
            loadedFrom = resource;
            return loadedFrom;
        } catch (IOException e) {
            UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                    "otlp-ffi: cannot extract " + resource + " for " + platform + ": " + e);
            err.initCause(e);
            throw err;
        }
    }

    /** The platform directory name the jar would use, e.g. {@code linux-x86_64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "darwin"
                : os.startsWith("windows") ? "windows" : os.replace(' ', '_');
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    private static boolean onLibraryPath() {
        String path = System.getProperty("java.library.path", "");
        String file = System.mapLibraryName(NAME);
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isRegularFile(Path.of(dir, file))) {
                return true;
            }
        }
        return false;
    }
}
