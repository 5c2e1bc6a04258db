package com.annoflow.webhookstage.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The packages of the bundle in one top-to-bottom order (docs/design.md, "The packages"): a class may use classes of its
 * own level and of the levels below it, never of a level above. The wiring ({@code WebhookStageConfiguration},
 * {@code BundleSettings}, the main class) sits on top of everything.
 */
class PackageOrderTest {

    private static final String ROOT = "com.annoflow.webhookstage";

    /** Top to bottom. */
    static final List<List<String>> LEVELS = List.of(
            List.of("api", "console", "demo"),
            List.of("delivery"),
            List.of("payload", "endpointhealth", "retention", "outbound", "tracing"),
            List.of("queue"),
            List.of("metrics", "files"),
            List.of("workflow", "access"),
            List.of("signing", "storage"));

    private static final JavaClasses BUNDLE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);

    @Test
    void noPackageUsesAPackageAboveItOrTheWiring() {
        for (int level = 0; level < LEVELS.size(); level++) {
            List<String> above = new ArrayList<>();
            for (int higher = 0; higher < level; higher++) {
                LEVELS.get(higher).forEach(name -> above.add(ROOT + "." + name + ".."));
            }
            String[] here = LEVELS.get(level).stream().map(name -> ROOT + "." + name + "..").toArray(String[]::new);
            noClasses().that().resideInAnyPackage(here)
                    .should().dependOnClassesThat().resideInAnyPackage(above.toArray(String[]::new))
                    .orShould().dependOnClassesThat().resideInAPackage(ROOT)
                    .because("docs/design.md orders the packages " + LEVELS + " from the top; a dependency runs down only")
                    .allowEmptyShould(level == 0)
                    .check(BUNDLE);
        }
    }

    @Test
    void everyPackageOfTheBundleHasItsPlaceInTheOrder() {
        List<String> placed = LEVELS.stream().flatMap(List::stream).map(name -> ROOT + "." + name).toList();
        List<String> unplaced = BUNDLE.stream().map(JavaClass::getPackageName).distinct()
                .filter(name -> !name.equals(ROOT) && placed.stream().noneMatch(p -> name.equals(p) || name.startsWith(p + ".")))
                .toList();
        assertThat(unplaced).as("packages without a level in PackageOrderTest.LEVELS and docs/design.md").isEmpty();
    }
}
