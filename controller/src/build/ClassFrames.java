import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Build step (controller/pom.xml, package phase): rewrites the classes of a jar compiled for Java 5 or
 * older (class-file version below 50: picocli's) as Java 8 classes with their stack map frames computed,
 * the same code otherwise. JDK 17's class-data sharing does not archive older classes, nor classes whose
 * verification fails over to the old verifier (version 50 without frames), so every 'zos-vm' would load and
 * verify picocli's 173 classes afresh: 0.1 s of each command's start. Run as a single-file program:
 * {@code java -cp asm.jar ClassFrames.java some.jar} (the jar is rewritten in place; a jar with no such
 * class is left as it is).
 */
public final class ClassFrames {
    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        Path out = jar.resolveSibling(jar.getFileName() + ".tmp");
        int rewritten = 0;
        try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
                ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
                ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] b = in.readAllBytes();
                if (e.getName().endsWith(".class") && b.length > 8 && ((b[6] & 0xff) << 8 | (b[7] & 0xff)) < 50) {
                    b = withFrames(b, classes);
                    rewritten++;
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime()); // the same bytes for the same input: a reproducible jar
                zip.putNextEntry(copy);
                zip.write(b);
                zip.closeEntry();
            }
        }
        if (rewritten == 0) {
            Files.delete(out);
        } else {
            Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("ClassFrames: " + rewritten + " classes of " + jar.getFileName() + " rewritten as Java 8 classes with frames");
    }

    private static byte[] withFrames(byte[] b, ClassLoader classes) {
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() { // the common superclass of two of the jar's classes
                return classes;
            }
        };
        new ClassReader(b).accept(new ClassVisitor(Opcodes.ASM9, w) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return w.toByteArray();
    }
}
