//! Operations of REST services kinesin does not emulate, named by HTTP method and path (the
//! `requestUri` of each operation in the botocore models, API versions: Lambda 2015-03-31,
//! API Gateway 2015-07-09 and v2 2018-11-29, Route 53 2013-04-01, EventBridge Scheduler
//! 2021-06-30, EKS 2017-11-01), so their error names the operation a caller tried. A small
//! table of the commonly called operations: any other REST request is named by its method
//! and path instead.

/// One operation: signing name, service as callers know it, method, path template, name.
struct Route {
    signing: &'static str,
    service: &'static str,
    method: &'static str,
    path: &'static str,
    operation: &'static str,
}

const fn r(
    signing: &'static str,
    service: &'static str,
    method: &'static str,
    path: &'static str,
    operation: &'static str,
) -> Route {
    Route { signing, service, method, path, operation }
}

const ROUTES: &[Route] = &[
    r("lambda", "lambda", "GET", "/2015-03-31/functions", "ListFunctions"),
    r("lambda", "lambda", "POST", "/2015-03-31/functions", "CreateFunction"),
    r("lambda", "lambda", "GET", "/2015-03-31/functions/{FunctionName}", "GetFunction"),
    r("lambda", "lambda", "DELETE", "/2015-03-31/functions/{FunctionName}", "DeleteFunction"),
    r("lambda", "lambda", "POST", "/2015-03-31/functions/{FunctionName}/invocations", "Invoke"),
    r("lambda", "lambda", "GET", "/2015-03-31/functions/{FunctionName}/configuration", "GetFunctionConfiguration"),
    r("lambda", "lambda", "PUT", "/2015-03-31/functions/{FunctionName}/code", "UpdateFunctionCode"),
    r("lambda", "lambda", "PUT", "/2015-03-31/functions/{FunctionName}/configuration", "UpdateFunctionConfiguration"),
    r("lambda", "lambda", "POST", "/2015-03-31/functions/{FunctionName}/policy", "AddPermission"),
    r("lambda", "lambda", "POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping"),
    r("lambda", "lambda", "GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings"),
    r("lambda", "lambda", "GET", "/2015-03-31/event-source-mappings/{UUID}", "GetEventSourceMapping"),
    r("lambda", "lambda", "DELETE", "/2015-03-31/event-source-mappings/{UUID}", "DeleteEventSourceMapping"),
    r("lambda", "lambda", "GET", "/2018-10-31/layers", "ListLayers"),
    r("lambda", "lambda", "POST", "/2018-10-31/layers/{LayerName}/versions", "PublishLayerVersion"),
    r("lambda", "lambda", "POST", "/2021-10-31/functions/{FunctionName}/url", "CreateFunctionUrlConfig"),
    r("lambda", "lambda", "GET", "/2017-03-31/tags/{Resource}", "ListTags"),
    r("lambda", "lambda", "POST", "/2017-03-31/tags/{Resource}", "TagResource"),
    r("apigateway", "apigateway", "GET", "/restapis", "GetRestApis"),
    r("apigateway", "apigateway", "POST", "/restapis", "CreateRestApi"),
    r("apigateway", "apigateway", "GET", "/restapis/{restapi_id}", "GetRestApi"),
    r("apigateway", "apigateway", "DELETE", "/restapis/{restapi_id}", "DeleteRestApi"),
    r("apigateway", "apigateway", "GET", "/restapis/{restapi_id}/resources", "GetResources"),
    r("apigateway", "apigateway", "POST", "/restapis/{restapi_id}/resources/{parent_id}", "CreateResource"),
    r(
        "apigateway",
        "apigateway",
        "PUT",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
        "PutMethod",
    ),
    r(
        "apigateway",
        "apigateway",
        "PUT",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
        "PutIntegration",
    ),
    r("apigateway", "apigateway", "POST", "/restapis/{restapi_id}/deployments", "CreateDeployment"),
    r("apigateway", "apigateway", "POST", "/restapis/{restapi_id}/stages", "CreateStage"),
    r("apigateway", "apigateway", "GET", "/restapis/{restapi_id}/stages", "GetStages"),
    r("apigateway", "apigatewayv2", "GET", "/v2/apis", "GetApis"),
    r("apigateway", "apigatewayv2", "POST", "/v2/apis", "CreateApi"),
    r("apigateway", "apigatewayv2", "GET", "/v2/apis/{apiId}", "GetApi"),
    r("apigateway", "apigatewayv2", "DELETE", "/v2/apis/{apiId}", "DeleteApi"),
    r("apigateway", "apigatewayv2", "POST", "/v2/apis/{apiId}/routes", "CreateRoute"),
    r("apigateway", "apigatewayv2", "GET", "/v2/apis/{apiId}/routes", "GetRoutes"),
    r("apigateway", "apigatewayv2", "POST", "/v2/apis/{apiId}/integrations", "CreateIntegration"),
    r("apigateway", "apigatewayv2", "POST", "/v2/apis/{apiId}/stages", "CreateStage"),
    r("route53", "route53", "GET", "/2013-04-01/hostedzone", "ListHostedZones"),
    r("route53", "route53", "POST", "/2013-04-01/hostedzone", "CreateHostedZone"),
    r("route53", "route53", "GET", "/2013-04-01/hostedzone/{Id}", "GetHostedZone"),
    r("route53", "route53", "DELETE", "/2013-04-01/hostedzone/{Id}", "DeleteHostedZone"),
    r("route53", "route53", "POST", "/2013-04-01/hostedzone/{Id}/rrset/", "ChangeResourceRecordSets"),
    r("route53", "route53", "GET", "/2013-04-01/hostedzone/{Id}/rrset", "ListResourceRecordSets"),
    r("route53", "route53", "GET", "/2013-04-01/change/{Id}", "GetChange"),
    r("route53", "route53", "GET", "/2013-04-01/hostedzonesbyname", "ListHostedZonesByName"),
    r("scheduler", "scheduler", "GET", "/schedules", "ListSchedules"),
    r("scheduler", "scheduler", "POST", "/schedules/{Name}", "CreateSchedule"),
    r("scheduler", "scheduler", "GET", "/schedules/{Name}", "GetSchedule"),
    r("scheduler", "scheduler", "PUT", "/schedules/{Name}", "UpdateSchedule"),
    r("scheduler", "scheduler", "DELETE", "/schedules/{Name}", "DeleteSchedule"),
    r("scheduler", "scheduler", "GET", "/schedule-groups", "ListScheduleGroups"),
    r("scheduler", "scheduler", "POST", "/schedule-groups/{Name}", "CreateScheduleGroup"),
    r("scheduler", "scheduler", "DELETE", "/schedule-groups/{Name}", "DeleteScheduleGroup"),
    r("eks", "eks", "GET", "/clusters", "ListClusters"),
    r("eks", "eks", "POST", "/clusters", "CreateCluster"),
    r("eks", "eks", "GET", "/clusters/{name}", "DescribeCluster"),
    r("eks", "eks", "DELETE", "/clusters/{name}", "DeleteCluster"),
    r("eks", "eks", "GET", "/clusters/{name}/node-groups", "ListNodegroups"),
    r("eks", "eks", "POST", "/clusters/{name}/node-groups", "CreateNodegroup"),
    r("eks", "eks", "GET", "/clusters/{name}/node-groups/{nodegroupName}", "DescribeNodegroup"),
];

/// Path segments, ignoring empty ones (a trailing `/` names the same operation).
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// How well `template` matches `path`: the number of literal segments, None if it does not.
fn score(template: &str, path: &str) -> Option<usize> {
    let (mut t, mut p) = (segments(template), segments(path));
    let mut literals = 0;
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(literals),
            (Some(ts), Some(_)) if ts.starts_with('{') => {}
            (Some(ts), Some(ps)) if ts == ps => literals += 1,
            _ => return None,
        }
    }
}

/// The service (as callers know it) and operation a request signed for `signing` asks for,
/// by method and path (the query is not part of `path`).
pub fn operation(signing: &str, method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    ROUTES
        .iter()
        .filter(|r| r.signing == signing && r.method == method)
        .filter_map(|r| score(r.path, path).map(|s| (s, r)))
        .max_by_key(|(s, _)| *s)
        .map(|(_, r)| (r.service, r.operation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_method_and_path() {
        assert_eq!(operation("lambda", "GET", "/2015-03-31/functions/"), Some(("lambda", "ListFunctions")));
        assert_eq!(operation("lambda", "GET", "/2015-03-31/functions/f1"), Some(("lambda", "GetFunction")));
        assert_eq!(
            operation("lambda", "GET", "/2015-03-31/functions/f1/configuration"),
            Some(("lambda", "GetFunctionConfiguration"))
        );
        assert_eq!(operation("lambda", "PATCH", "/2015-03-31/functions"), None);
        assert_eq!(operation("lambda", "GET", "/2015-03-31/functions/a/b/c"), None);
        assert_eq!(operation("apigateway", "GET", "/v2/apis"), Some(("apigatewayv2", "GetApis")));
        assert_eq!(operation("apigateway", "GET", "/restapis"), Some(("apigateway", "GetRestApis")));
        assert_eq!(
            operation("route53", "POST", "/2013-04-01/hostedzone/Z1/rrset/"),
            Some(("route53", "ChangeResourceRecordSets"))
        );
        assert_eq!(operation("eks", "GET", "/clusters"), Some(("eks", "ListClusters")));
        assert_eq!(operation("sns", "GET", "/clusters"), None);
    }
}
