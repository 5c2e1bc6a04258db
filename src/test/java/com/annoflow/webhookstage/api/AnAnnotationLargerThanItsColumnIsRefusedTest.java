package com.annoflow.webhookstage.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * With webhook.api.max-request-bytes raised towards its upper bound of 100 MB, one annotation could be longer than
 * the column that keeps it (16,777,216 characters on HSQLDB): the registration is refused naming that annotation,
 * instead of failing in the database.
 */
class AnAnnotationLargerThanItsColumnIsRefusedTest {

    private static final ApiLimits RAISED = new ApiLimits(100_000_000, 1000, 10_000, 10_000, 64, 500, 1000, 4000,
            Duration.ofSeconds(10));

    @Test
    void anAnnotationOfMoreThanSixteenMillionCharactersIsRefusedNamingItsPlace() throws Exception {
        String text = "t".repeat(RegisteredFile.MAX_ANNOTATION_CHARS);
        String annotations = "[{\"name\": \"car\"}, {\"name\": \"car\", \"text\": {\"text\": \"" + text + "\"}}]";
        var body = new ObjectMapper().readTree("{\"files\": [" + TestFiles.file(TestFiles.newId(), "a.jpg", annotations) + "]}");

        assertThatThrownBy(() -> new RegistrationReader(RAISED).read(body))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("files[0].annotations[1]: " + (RegisteredFile.MAX_ANNOTATION_CHARS + 33) + " characters written compact")
                .hasMessageContaining("at most 16777216: split it");
    }

    @Test
    void anAnnotationJustUnderTheColumnSizeIsTaken() throws Exception {
        String text = "t".repeat(RegisteredFile.MAX_ANNOTATION_CHARS - 100);
        String annotations = "[{\"name\": \"car\", \"text\": {\"text\": \"" + text + "\"}}]";
        var body = new ObjectMapper().readTree("{\"files\": [" + TestFiles.file(TestFiles.newId(), "a.jpg", annotations) + "]}");

        assertThat(new RegistrationReader(RAISED).read(body)).singleElement()
                .satisfies(file -> assertThat(file.annotations().get(0)).hasSize(RegisteredFile.MAX_ANNOTATION_CHARS - 67));
    }
}
