package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator last observed and did. Never holds a credential. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegistryCredentialStatus {

  @JsonPropertyDescription("The spec generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, SourceAvailable and Synced.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The source kind in use: ecr, acr, gar or static.")
  private String sourceKind;

  @JsonPropertyDescription(
      "When the current token expires; empty for credentials that do not expire.")
  private String expiresAt;

  @JsonPropertyDescription("When the token last changed in the written Secrets.")
  private String lastRotationTime;

  @JsonPropertyDescription("When the operator will next fetch a token.")
  private String nextRefreshTime;

  @JsonPropertyDescription("Counts of target namespaces.")
  private NamespaceCounts namespaces;

  @JsonPropertyDescription(
      "Namespaces that could not be synced, sorted by name and bounded in length.")
  private List<SyncFailure> failures = new ArrayList<>();

  @JsonPropertyDescription(
      "Recent image pulls that the registry refused for want of a login, in images this"
          + " credential's registries serve, newest first and bounded in length: which Pod, why,"
          + " and what to do.")
  private List<PullFailure> pullFailures;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getSourceKind() {
    return sourceKind;
  }

  public void setSourceKind(String sourceKind) {
    this.sourceKind = sourceKind;
  }

  public String getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(String expiresAt) {
    this.expiresAt = expiresAt;
  }

  public String getLastRotationTime() {
    return lastRotationTime;
  }

  public void setLastRotationTime(String lastRotationTime) {
    this.lastRotationTime = lastRotationTime;
  }

  public String getNextRefreshTime() {
    return nextRefreshTime;
  }

  public void setNextRefreshTime(String nextRefreshTime) {
    this.nextRefreshTime = nextRefreshTime;
  }

  public NamespaceCounts getNamespaces() {
    return namespaces;
  }

  public void setNamespaces(NamespaceCounts namespaces) {
    this.namespaces = namespaces;
  }

  public List<SyncFailure> getFailures() {
    return failures;
  }

  public void setFailures(List<SyncFailure> failures) {
    this.failures = failures;
  }

  public List<PullFailure> getPullFailures() {
    return pullFailures;
  }

  public void setPullFailures(List<PullFailure> pullFailures) {
    this.pullFailures = pullFailures;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RegistryCredentialStatus other)) {
      return false;
    }
    return Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(sourceKind, other.sourceKind)
        && Objects.equals(expiresAt, other.expiresAt)
        && Objects.equals(lastRotationTime, other.lastRotationTime)
        && Objects.equals(nextRefreshTime, other.nextRefreshTime)
        && Objects.equals(namespaces, other.namespaces)
        && Objects.equals(failures, other.failures)
        && Objects.equals(pullFailures, other.pullFailures);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration, conditions, sourceKind, expiresAt, namespaces, failures);
  }

  /** Counts of target namespaces, and the same as one "synced/targeted" string for kubectl. */
  public record NamespaceCounts(int targeted, int synced, int failed, String summary) {
    public static NamespaceCounts of(int targeted, int synced, int failed) {
      return new NamespaceCounts(targeted, synced, failed, synced + "/" + targeted);
    }
  }

  /**
   * A Pod whose image pull the registry refused, the cause the operator found (a reason), what to
   * do about it, and when the kubelet last reported it.
   */
  public record PullFailure(
      String namespace, String pod, String image, String cause, String message, String lastSeen) {}

  /** One namespace that could not be synced, with a machine-readable reason. */
  public record SyncFailure(String namespace, String reason, String message) {}
}
