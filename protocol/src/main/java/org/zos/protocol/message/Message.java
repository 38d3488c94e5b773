package org.zos.protocol.message;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A control message. Its JSON form carries its kind in the "type" property; the names below are part of
 * the wire format and never change meaning.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = Ping.class, name = "ping"),
    @JsonSubTypes.Type(value = Pong.class, name = "pong"),
    @JsonSubTypes.Type(value = Failure.class, name = "failure"),
    @JsonSubTypes.Type(value = StatusQuery.class, name = "status-query"),
    @JsonSubTypes.Type(value = StatusReport.class, name = "status-report"),
    @JsonSubTypes.Type(value = AccessQuery.class, name = "access-query"),
    @JsonSubTypes.Type(value = AccessGrant.class, name = "access-grant"),
    @JsonSubTypes.Type(value = AnimaAction.class, name = "anima-action"),
    @JsonSubTypes.Type(value = ActionDone.class, name = "action-done"),
    @JsonSubTypes.Type(value = Progress.class, name = "progress"),
    @JsonSubTypes.Type(value = MoveOffer.class, name = "move-offer"),
    @JsonSubTypes.Type(value = MoveReady.class, name = "move-ready"),
    @JsonSubTypes.Type(value = ImageOffer.class, name = "image-offer"),
    @JsonSubTypes.Type(value = ChunksWanted.class, name = "chunks-wanted"),
    @JsonSubTypes.Type(value = ImageSent.class, name = "image-sent"),
    @JsonSubTypes.Type(value = ImageReceived.class, name = "image-received"),
    @JsonSubTypes.Type(value = MoveCommit.class, name = "move-commit"),
    @JsonSubTypes.Type(value = MoveDone.class, name = "move-done"),
    @JsonSubTypes.Type(value = MoveAbort.class, name = "move-abort"),
    @JsonSubTypes.Type(value = ReturnRequest.class, name = "return-request"),
    @JsonSubTypes.Type(value = MoveCancel.class, name = "move-cancel"),
    @JsonSubTypes.Type(value = MoveGo.class, name = "move-go"),
    @JsonSubTypes.Type(value = MoveQuery.class, name = "move-query"),
    @JsonSubTypes.Type(value = Keepalive.class, name = "keepalive"),
    @JsonSubTypes.Type(value = ViewOpen.class, name = "view-open"),
    @JsonSubTypes.Type(value = ViewReady.class, name = "view-ready"),
    @JsonSubTypes.Type(value = ControlRequest.class, name = "control-request"),
    @JsonSubTypes.Type(value = FolderOpen.class, name = "folder-open"),
    @JsonSubTypes.Type(value = FolderReady.class, name = "folder-ready"),
    @JsonSubTypes.Type(value = FolderEnd.class, name = "folder-end"),
    @JsonSubTypes.Type(value = LendOffer.class, name = "lend-offer"),
    @JsonSubTypes.Type(value = LendEnd.class, name = "lend-end"),
    @JsonSubTypes.Type(value = LivePrepare.class, name = "live-prepare"),
    @JsonSubTypes.Type(value = LivePrepared.class, name = "live-prepared"),
    @JsonSubTypes.Type(value = LiveOpen.class, name = "live-open"),
    @JsonSubTypes.Type(value = LiveReady.class, name = "live-ready"),
    @JsonSubTypes.Type(value = LivePatch.class, name = "live-patch"),
    @JsonSubTypes.Type(value = MemoryKept.class, name = "memory-kept"),
})
public sealed interface Message permits Hello, Ping, Pong, Failure, StatusQuery, StatusReport, AccessQuery, AccessGrant,
        AnimaAction, ActionDone, Progress, MoveOffer, MoveReady, ImageOffer, ChunksWanted, ImageSent, ImageReceived,
        MoveCommit, MoveDone, MoveAbort, ReturnRequest, MoveCancel, MoveGo, MoveQuery, Keepalive, ViewOpen, ViewReady, ControlRequest,
        FolderOpen, FolderReady, FolderEnd, LendOffer, LendEnd, LivePrepare, LivePrepared, LiveOpen, LiveReady, LivePatch,
        MemoryKept {

    /**
     * Checks every field against its bounds (docs/protocol.md, "Bounds"): the one place each message's
     * fields are checked. Both ends call it on every message they read before acting on it.
     *
     * @throws org.zos.protocol.ZosException BAD_PARAMETER naming the field and its bound
     */
    void check();

    /** True for a request whose answer turns the connection into a stream of data frames (a view, a folder). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    default boolean opensStream() {
        return false;
    }
}
