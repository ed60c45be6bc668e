package components

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// partOptions are how every part registers its children: under the
// component, and after the Google APIs are on when a child calls one.
type partOptions struct {
	parent pulumi.ResourceOrInvokeOption
	// apis waits for the Google APIs; nil while they are being enabled.
	apis pulumi.ResourceOrInvokeOption
}

// local are the options of a child that calls no Google API.
func (o partOptions) local() []pulumi.ResourceOption {
	return []pulumi.ResourceOption{o.parent}
}

// google are the options of a child that calls a Google API.
func (o partOptions) google() []pulumi.ResourceOption {
	if o.apis == nil {
		return o.local()
	}
	return []pulumi.ResourceOption{o.parent, o.apis}
}

// invoke are the options of an invoke that calls a Google API.
func (o partOptions) invoke() []pulumi.InvokeOption {
	if o.apis == nil {
		return []pulumi.InvokeOption{o.parent}
	}
	return []pulumi.InvokeOption{o.parent, o.apis}
}
