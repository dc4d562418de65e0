namespace PyAirtable.Gateway.Tests.Deployment;

/// <summary>A fact that needs kubectl (with its built-in kustomize) on PATH; skipped, with the reason, without it.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (DeploymentFiles.FindKubectl() is null)
        {
            Skip = "kubectl is not on PATH, so `kubectl kustomize` cannot render the manifests here (CI has kubectl and runs this test).";
        }
    }
}
