import org.apache.camel.main.KameletMain;

/**
 * What {@code camel run config/application.properties routes/*.camel.yaml --dep=<bundle gav>} does, for
 * machines without the Camel CLI: KameletMain (the runtime behind {@code camel run}) on the operator's config/ and
 * routes/, the bundle's jar declared as a dependency and downloaded like any other. Run from the directory holding
 * config/ and routes/, in source-file mode on camel-kamelet-main's classpath only (see CamelRunIT):
 * {@code java -cp <camel-kamelet-main and its dependencies> CamelRun.java <bundle gav> [extra maven repositories]}.
 */
public class CamelRun {

    public static void main(String[] args) throws Exception {
        KameletMain main = new KameletMain("camel.jbang");
        main.setDownload(true);
        // a SNAPSHOT bundle changes with every build: check the repository each time (camel run --fresh)
        main.setFresh(true);
        if (args.length > 1) {
            main.setRepositories(args[1]);
        }
        main.setPropertyPlaceholderLocations("file:config/application.properties");
        main.addInitialProperty("camel.jbang.dependencies", args[0]);
        // every route file of routes/, as the shell hands them to camel run
        main.addInitialProperty("camel.main.routesIncludePattern", "file:routes/*.yaml");
        main.run();
    }
}
