package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stage with {@code next_from_response: [review, complete]} (on_success: annotate) lets a delivered answer pick the
 * next stage with {@code "next_stage"}; an unlisted name, a body that is not JSON and an empty body each follow
 * on_success, and the transition's detail says why.
 */
class NextFromResponseTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);
    private static final String LISTED = TestFiles.newId();
    private static final String OTHER_LISTED = TestFiles.newId();
    private static final String UNLISTED = TestFiles.newId();
    private static final String NOT_JSON = TestFiles.newId();
    private static final String EMPTY = TestFiles.newId();

    @BeforeAll
    static void deliverFilesWhoseReceiverAnswersDifferently() {
        answer(LISTED, "{\"next_stage\": \"review\"}");
        answer(OTHER_LISTED, "{\"received\": true, \"next_stage\": \"complete\"}");
        answer(UNLISTED, "{\"next_stage\": \"dataset\"}");
        answer(NOT_JSON, "thanks, got it");
        answer(EMPTY, "");
        for (String id : List.of(LISTED, OTHER_LISTED, UNLISTED, NOT_JSON, EMPTY)) {
            bundle.post("/api/files", TestFiles.registration(id));
        }
        bundle.post("/api/assignments", TestFiles.assignment("chooser", "hook", LISTED, OTHER_LISTED, UNLISTED, NOT_JSON,
                EMPTY));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String id : List.of(LISTED, OTHER_LISTED, UNLISTED, NOT_JSON, EMPTY)) {
                assertThat(bundle.stageOf(id)).doesNotStartWith("chooser/hook");
            }
        });
    }

    @Test
    void aListedNextStageInTheAnswerMovesTheFileThere() {
        assertThat(bundle.stageOf(LISTED)).isEqualTo("chooser/review ASSIGNED");
        assertThat(detail(LISTED)).isEqualTo("delivered on attempt 1; the receiver chose review (next_stage)");
        assertThat(bundle.stageOf(OTHER_LISTED)).isEqualTo("chooser/complete ASSIGNED");
    }

    @Test
    void anUnlistedNextStageFollowsOnSuccessAndSaysWhy() {
        assertThat(bundle.stageOf(UNLISTED)).isEqualTo("chooser/annotate ASSIGNED");
        assertThat(detail(UNLISTED)).isEqualTo("delivered on attempt 1; the answer's next_stage 'dataset' is not one of"
                                               + " [review, complete] (next_from_response), so on_success");
    }

    @Test
    void anAnswerThatIsNotJsonFollowsOnSuccessAndSaysWhy() {
        assertThat(bundle.stageOf(NOT_JSON)).isEqualTo("chooser/annotate ASSIGNED");
        assertThat(detail(NOT_JSON)).isEqualTo("delivered on attempt 1; the answer is not JSON, so on_success");
    }

    @Test
    void anEmptyAnswerFollowsOnSuccessAndSaysWhy() {
        assertThat(bundle.stageOf(EMPTY)).isEqualTo("chooser/annotate ASSIGNED");
        assertThat(detail(EMPTY)).isEqualTo("delivered on attempt 1; the answer was empty, so on_success");
    }

    private static void answer(String itemId, String body) {
        receiver.wiremock().stubFor(post(urlPathEqualTo("/chooser"))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(itemId)))
                .willReturn(aResponse().withStatus(200).withBody(body)));
    }

    private static String detail(String itemId) {
        return bundle.jdbc().queryForObject("SELECT detail FROM stage_transition WHERE item_id = ? AND reason = 'DELIVERED'",
                String.class, itemId);
    }
}
