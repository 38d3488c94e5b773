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
})
public sealed interface Message permits Hello, Ping, Pong, Failure, StatusQuery, StatusReport, AccessQuery, AccessGrant,
        AnimaAction, ActionDone, Progress {
}
